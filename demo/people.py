"""Who is at the demo desk, and the config file that says so.

A dispatcher group, two departments, four people with names, and one customer whose mailbox
the page shows. The config is a real deskbot config (SQLite, SMTP, the Bot API stand-in), so
the service reads it as `deskbot run` would.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DISPATCH_CHAT, DISPATCH_TITLE = -100, "Dispatch"
SUPPORT_ADDRESS, SUPPORT_NAME = "support@deskbot-demo.example", "Demo Support"
CUSTOMER_NAME, CUSTOMER_ADDRESS = "Alex Morgan", "alex.morgan@northwind.example"
NAG_EVERY = "30s"  # a demo pace: the nags show within a minute


@dataclass(frozen=True)
class Person:
    user_id: int
    first_name: str
    last_name: str
    departments: tuple[str, ...]
    roles: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


DEPARTMENTS = (("support", "Technical support"), ("billing", "Billing"))
STAFF = (
    Person(1, "Dana", "Whitfield", ("support", "billing"), ("dispatcher", "manager")),
    Person(2, "Sam", "Ortiz", ("support",), ("specialist",)),
    Person(3, "Olga", "Ivanova", ("support", "billing"), ("specialist",)),
    Person(4, "Ravi", "Menon", ("billing",), ("specialist",)),
)


def person(user_id: int) -> Person | None:
    return next((p for p in STAFF if p.user_id == user_id), None)


def local_zone() -> str:
    """This machine's time zone, so that the cards' times match the page's clock (the page shows
    mail in the browser's zone, which on one machine is this one)."""
    named = os.environ.get("TZ", "").lstrip(":")
    if not named:
        target = os.path.realpath("/etc/localtime")
        named = target.partition("/zoneinfo/")[2]
    try:
        ZoneInfo(named)
    except (ValueError, ZoneInfoNotFoundError):
        return "UTC"
    return named


def config_text(folder: Path, *, smtp_port: int, botapi_url: str, token: str, language: str,
                nag_every: str = NAG_EVERY) -> str:
    """The demo's config.toml (TOML strings written as JSON strings: the same escapes)."""
    q = json.dumps
    lines = [
        "# Written by `deskbot demo` on each start; edits are overwritten.",
        "[database]", f"url = {q('sqlite+aiosqlite:///' + str(folder / 'deskbot.sqlite3'))}",
        "[mailbox]",  # no IMAP: the demo hands its mail to the service's pipe intake (desk.py)
        'mode = "pipe"', f"username = {q(SUPPORT_ADDRESS)}",
        f"attachments_dir = {q(str(folder / 'attachments'))}",
        "[smtp]", 'host = "127.0.0.1"', f"port = {smtp_port}", 'security = "none"',
        f"from_address = {q(f'{SUPPORT_NAME} <{SUPPORT_ADDRESS}>')}",
        "[telegram]", f"token = {q(token)}", f"api_server = {q(botapi_url)}",
        f"dispatcher_chat_id = {DISPATCH_CHAT}", f"language = {q(language)}",
        "[dispatch]", f"nag_every = {q(nag_every)}", f"timezone = {q(local_zone())}",
    ]
    for key, name in DEPARTMENTS:
        lines += ["[[departments]]", f"key = {q(key)}", f"name = {q(name)}"]
    for p in STAFF:
        lines += ["[[staff]]", f"name = {q(p.name)}", f"telegram_id = {p.user_id}",
                  f"departments = {q(list(p.departments))}", f"roles = {q(list(p.roles))}"]
    return "\n".join(lines) + "\n"
