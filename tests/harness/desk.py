"""A deskbot configured against the test Dovecot: config file, database, poller, queries."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from deskbot.dispatch.clock import SystemClock
from deskbot.dispatch.config import Config, load_config
from deskbot.app.database import prepare_database
from deskbot.app.mailin import build_poller
from deskbot.storage.db import session_factory
from deskbot.storage.models import Message, RawMail
from deskbot.storage.queries import TicketRow, list_quarantine, list_tickets


def write_config(path: Path, dovecot, db_url: str, **mailbox: object) -> Path:
    settings = {
        "port": dovecot.port, "security": "none", "attachments_dir": str(path.parent / "attachments"),
        "poll_every": "30s", "parse_workers": 2, **mailbox,
    }
    extra = "".join(f"{key} = {_toml(value)}\n" for key, value in settings.items())
    path.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[mailbox]\nhost = "{dovecot.host}"\n'
        f'username = "{dovecot.user}"\npassword = "{dovecot.password}"\n{extra}'
    )
    return path


def dispatch_sections(token: str, api_server: str, chat_id: int, dispatcher_id: int, nag_every: str,
                      specialist_id: int | None = None) -> str:
    """[telegram], [dispatch], two departments, one dispatcher (and a specialist): the Telegram half of a test desk."""
    return f"""
[telegram]
token = "{token}"
api_server = "{api_server}"
dispatcher_chat_id = {chat_id}

[dispatch]
nag_every = "{nag_every}"

[[departments]]
key = "support"
name = "Support"

[[departments]]
key = "network"
name = "Network"

[[staff]]
name = "Dana"
telegram_id = {dispatcher_id}
departments = ["support"]
roles = ["dispatcher", "specialist"]
""" + ("" if specialist_id is None else f"""
[[staff]]
name = "Sam"
telegram_id = {specialist_id}
departments = ["support"]
roles = ["specialist"]
""")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return f'"{value}"'


class Desk:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.engine = None

    async def start(self) -> Desk:
        self.engine = await prepare_database(self.config)
        return self

    def poller(self):
        return build_poller(self.config, self.engine, SystemClock())

    async def poll_once(self) -> None:
        poller = self.poller()
        try:
            await poller.poll_once()
        finally:
            await poller.close()

    async def tickets(self) -> list[TicketRow]:
        async with session_factory(self.engine)() as s:
            return await list_tickets(s)

    async def quarantine(self):
        async with session_factory(self.engine)() as s:
            return await list_quarantine(s)

    async def messages(self, ticket: int) -> list[Message]:
        async with session_factory(self.engine)() as s:
            return list(await s.scalars(select(Message).where(Message.ticket_id == ticket).order_by(Message.id)))

    async def raw_count(self) -> int:
        async with session_factory(self.engine)() as s:
            return len((await s.scalars(select(RawMail.id))).all())

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()


async def open_desk(tmp_path: Path, dovecot, db_url: str | None = None, **mailbox: object) -> Desk:
    url = db_url or f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    config = load_config(write_config(tmp_path / "config.toml", dovecot, url, **mailbox), environ={})
    return await Desk(config).start()
