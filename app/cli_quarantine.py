"""`deskbot quarantine`: the mail kept aside with its fate; `release ID` makes it a ticket, `dismiss ID` drops it.

A decision here is the same as a dispatcher's tap (`dispatch.quarantine`), logged as made
from the command line; the running service announces a released mail's ticket as usual.
An unknown id, or one decided already, is one line on stderr and exit code 1.
"""
from __future__ import annotations

import argparse
import json
import sys

from deskbot.dispatch.config import Config


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    listing = commands.add_parser("quarantine", parents=[common],
                                  help="mail kept aside, with the reason and its fate; release or dismiss one")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    actions = listing.add_subparsers(dest="quarantine_action", metavar="ACTION")
    for name, text in (("release", "make a ticket of it, through the normal intake"), ("dismiss", "drop it")):
        action = actions.add_parser(name, parents=[common], help=text)
        action.add_argument("id", type=int, help="the id `deskbot quarantine` shows")


async def run(args: argparse.Namespace, config: Config, sessions) -> int:
    if getattr(args, "quarantine_action", None) is None:
        await _print(sessions, args.json)
        return 0
    return await _decide(args.quarantine_action, args.id, config, sessions)


async def _decide(action: str, item_id: int, config: Config, sessions) -> int:
    from deskbot.dispatch import quarantine
    from deskbot.dispatch.clock import SystemClock
    from deskbot.dispatch.tickets import Refused

    now = SystemClock().now()
    try:
        async with sessions.begin() as session:
            if action == "release":
                number = await quarantine.release(session, item_id, None, config, now)
            else:
                await quarantine.dismiss(session, item_id, None, now)
    except Refused as refusal:
        print(f"deskbot: {_refusal(refusal)}", file=sys.stderr)
        return 1
    print(f"mail {item_id}: made ticket #{number}" if action == "release" else f"mail {item_id}: dismissed")
    return 0


def _refusal(refusal) -> str:
    args = refusal.args_for_text
    who = f" by {args['who']}" if "who" in args else " from the command line"
    if refusal.key == "quarantine-not-found":
        return f"no quarantined mail {args['id']}"
    if refusal.key.startswith("quarantine-already-released"):
        return f"mail {args['id']} was already made ticket #{args['number']}{who}"
    return f"mail {args['id']} was already dismissed{who}"


def _came(row) -> str:
    """The IMAP uid; piped mail's uid is the 19-digit nanosecond it came, so it just says "pipe"."""
    from deskbot.dispatch.pipe_intake import PIPE_PLACE

    return "pipe" if row.mailbox == PIPE_PLACE.mailbox else f"uid {row.uid}"


def _fate(row) -> str:
    if row.fate == "released":
        return f"released -> ticket #{row.ticket}"
    return row.fate or "open"


async def _print(sessions, as_json: bool) -> None:
    from deskbot.mailbox.identity import header_summary
    from deskbot.storage.queries import list_quarantine

    async with sessions() as session:
        rows = await list_quarantine(session)
    for r in rows:
        sender, subject = header_summary(r.head)
        if as_json:
            print(json.dumps({"id": r.id, "uid": r.uid, "mailbox": r.mailbox, "folder": r.folder,
                              "key": r.message_key, "size": r.size,
                              "received_at": r.received_at.isoformat(), "from": sender, "subject": subject,
                              "reason": r.reason, "kind": r.kind, "fate": r.fate or "open", "ticket": r.ticket,
                              "decided_by": r.decided_by,  # null with decided_at: from the command line
                              "decided_at": r.decided_at.isoformat() if r.decided_at else None}, ensure_ascii=False))
        else:
            print(f"{r.id:>6}  {_came(r):<11} {r.size:>9} B  from {sender[:40] or '-'}  subject {subject[:50] or '-'}")
            by = ""
            if r.decided_at:
                by = f" {f'by {r.decided_by}' if r.decided_by else 'from the command line'} at {r.decided_at:%Y-%m-%d %H:%M} UTC"
            print(f"        {r.reason}")
            print(f"        {r.kind or '?'} mail, {_fate(r)}{by}")
    if not as_json:
        print(f"{len(rows)} quarantined message(s)")
