"""Quarantined mail, from ingest to a decision: kept aside, listed, opened, made a ticket or dismissed.

Ingest records each quarantined mail as a `QuarantineItem` in its own transaction
(`keep_aside`). A decision re-reads the item in the caller's transaction and changes
it with a conditional UPDATE, so that of two taps (or a tap and the command line)
exactly one decides; the other is told what became of it. Every decision is a
`QuarantineEvent` (a dismissed mail has no ticket to log on); a release also logs
"created" on its new ticket.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.config import Config
from deskbot.dispatch.quarantine_rules import Fate, Kind, KeptAside, kind_of
from deskbot.dispatch.tickets import Refused
from deskbot.mailbox.identity import header_summary
from deskbot.mailbox.inbound import InboundMail, ParseOptions
from deskbot.storage.db import after_commit
from deskbot.storage.models import QuarantineEvent, QuarantineItem, RawMail, Staff
from deskbot.telemetry import metrics
from deskbot.telemetry.context import about

log = logging.getLogger("deskbot.quarantine")
HEAD_BYTES = 16384  # enough of a raw message for its headers
EXCERPT_LINES, EXCERPT_CHARS = 12, 1200  # "the first lines" of an opened item


@dataclass(frozen=True, slots=True)
class ItemView:
    """One quarantined mail as a person sees it when opening it."""

    id: int
    kind: str
    sender: str
    subject: str
    reason: str
    received_at: datetime
    excerpt: str
    status: str
    ticket_id: int | None
    decided_by: str | None  # None with a decision: made from the command line
    decided_at: datetime | None


def _clean(value: str, limit: int | None = None) -> str:
    value = value.replace("\x00", "")  # PostgreSQL refuses NUL in text
    return value[:limit] if limit else value


async def keep_aside(session: AsyncSession, kept: Sequence[tuple[int, bytes, InboundMail]],
                     own_addresses: set[str], now: datetime) -> None:
    """Record quarantined mail (raw_mail id, raw bytes, parsed mail), in the caller's transaction."""
    if not kept:
        return
    rows = []
    for raw_id, raw, mail in kept:
        sender, subject = header_summary(raw[:HEAD_BYTES])
        rows.append({"raw_id": raw_id, "kind": kind_of(mail, own_addresses).value,
                     "sender": _clean(sender.strip(), 320), "subject": _clean(mail.subject or subject),
                     "received_at": now, "announced_at": None, "status": Fate.OPEN.value})
    await session.execute(insert(QuarantineItem.__table__), rows)


async def waiting_notices(session: AsyncSession, limit: int) -> list[KeptAside]:
    """People's mail kept aside that the dispatcher chat has not been told of, oldest first."""
    rows = await session.execute(
        select(QuarantineItem.raw_id, QuarantineItem.sender, QuarantineItem.subject, RawMail.reason,
               QuarantineItem.received_at)
        .join(RawMail, RawMail.id == QuarantineItem.raw_id)
        .where(QuarantineItem.announced_at.is_(None), QuarantineItem.kind == Kind.PERSON,
               QuarantineItem.status == Fate.OPEN)
        .order_by(QuarantineItem.raw_id).limit(limit)
        # PostgreSQL: two services never announce twice.
        .with_for_update(skip_locked=True, of=QuarantineItem))
    return [KeptAside(raw_id, sender or "", subject or "", reason or "", received)
            for raw_id, sender, subject, reason, received in rows]


async def mark_announced(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    if ids:
        await session.execute(update(QuarantineItem).where(QuarantineItem.raw_id.in_(ids)).values(announced_at=now))


async def count_machine_mail(session: AsyncSession, now: datetime) -> int:
    """Machine mail kept aside since the last summary, marked as counted; how many."""
    counted = await session.execute(
        update(QuarantineItem)
        .where(QuarantineItem.announced_at.is_(None), QuarantineItem.kind == Kind.MACHINE)
        .values(announced_at=now))
    return counted.rowcount or 0


async def recent(session: AsyncSession, offset: int, limit: int) -> tuple[int, list[QuarantineItem]]:
    """Open items, newest first: (how many are open, this page of them)."""
    is_open = QuarantineItem.status == Fate.OPEN
    total = await session.scalar(select(func.count()).select_from(QuarantineItem).where(is_open))
    page = await session.scalars(select(QuarantineItem).where(is_open)
                                 .order_by(QuarantineItem.raw_id.desc()).offset(offset).limit(limit))
    return total or 0, list(page)


async def view(session: AsyncSession, item_id: int) -> ItemView:
    """The item with the first lines of its text; Refused when there is no such item."""
    found = (await session.execute(
        select(QuarantineItem, RawMail.reason, RawMail.content, Staff.name)
        .join(RawMail, RawMail.id == QuarantineItem.raw_id)
        .outerjoin(Staff, Staff.id == QuarantineItem.decided_by_id)
        .where(QuarantineItem.raw_id == item_id)
        .execution_options(populate_existing=True))).first()
    if found is None:
        raise Refused("quarantine-not-found", id=item_id)
    item, reason, content, decided_by = found
    return ItemView(item.raw_id, item.kind, item.sender, item.subject, reason or "", item.received_at,
                    first_lines(_text(content)), item.status, item.ticket_id, decided_by, item.decided_at)


def _text(content: bytes) -> str:
    from deskbot.mailbox.parse import parse_mail

    try:
        return parse_mail(content, ParseOptions()).text  # attachments are not written anywhere
    except Exception:  # noqa: BLE001  (what could not be parsed is shown as nothing, never a crash)
        return ""


def first_lines(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()][:EXCERPT_LINES]
    return "\n".join(lines)[:EXCERPT_CHARS]


async def release(session: AsyncSession, item_id: int, actor: Staff | None, config: Config,
                  now: datetime) -> int:
    """Make a ticket of the mail through the normal intake; the new ticket's number."""
    from deskbot.dispatch.release import open_ticket

    await _decide(session, item_id, actor, Fate.RELEASED, now)
    raw = await session.get(RawMail, item_id)
    who = f"by {actor.name}" if actor else "from the command line"
    number = await open_ticket(session, raw, config, now, actor=actor,
                               detail=f"released from quarantine (mail {item_id}) {who}")
    await session.execute(update(QuarantineItem).where(QuarantineItem.raw_id == item_id).values(ticket_id=number))
    session.add(QuarantineEvent(raw_id=item_id, staff_id=actor.id if actor else None, kind="released",
                                ticket_id=number, detail=f"made ticket #{number} {who}", at=now))
    with about(ticket=number):
        log.info("quarantined mail %d made ticket #%d %s", item_id, number, who)
    after_commit(session, metrics.TICKETS_CREATED.labels("released").inc)
    return number


async def dismiss(session: AsyncSession, item_id: int, actor: Staff | None, now: datetime) -> None:
    await _decide(session, item_id, actor, Fate.DISMISSED, now)
    who = f"by {actor.name}" if actor else "from the command line"
    session.add(QuarantineEvent(raw_id=item_id, staff_id=actor.id if actor else None, kind="dismissed",
                                detail=f"dismissed {who}", at=now))
    log.info("quarantined mail %d dismissed %s", item_id, who)


async def _decide(session: AsyncSession, item_id: int, actor: Staff | None, fate: Fate, now: datetime) -> None:
    """Only an open item is decided, once: the conditional UPDATE waits for a concurrent decision's commit."""
    if actor is not None and "dispatcher" not in actor.role_set:
        raise Refused("quarantine-dispatchers-only")
    changed = await session.execute(
        update(QuarantineItem).where(QuarantineItem.raw_id == item_id, QuarantineItem.status == Fate.OPEN)
        .values(status=fate.value, decided_by_id=actor.id if actor else None, decided_at=now,
                announced_at=func.coalesce(QuarantineItem.announced_at,
                                           literal(now, QuarantineItem.announced_at.type))))
    if changed.rowcount == 1:
        return
    decided = await view(session, item_id)  # Refused when there is no such item
    raise already_decided(decided)


def already_decided(item: ItemView) -> Refused:
    """The refusal that tells what became of an item decided before (by whom: a person or the command line)."""
    fate = "released" if item.status == Fate.RELEASED else "dismissed"
    if item.decided_by is None:
        return Refused(f"quarantine-already-{fate}-cli", id=item.id, number=item.ticket_id or 0)
    return Refused(f"quarantine-already-{fate}", id=item.id, number=item.ticket_id or 0, who=item.decided_by)
