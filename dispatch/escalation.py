"""Pulling in a colleague: the question, the internal notes, the colleague's time.

The assignee stays responsible: a colleague (any department) becomes a helper of the
ticket, gets the question, and writes notes back. A note is a message on the ticket
with direction "note": it is never e-mailed (only "out" messages are) and is shown
to the assignee and the ticket's other helpers. Like `dispatch.tickets`, each function
re-reads the ticket and the person and checks them here, in the caller's transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch import rules
from deskbot.dispatch.rules import Status
from deskbot.dispatch.tickets import Refused, _event, _ticket
from deskbot.dispatch.timespent import MAX_MINUTES
from deskbot.storage.models import Message, Staff, Ticket, TicketHelper, TimeEntry

NOTE = "note"  # messages.direction
MAX_NOTE_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Noted:
    ticket: Ticket
    note: Message
    writer: Staff
    readers: list[Staff]  # who is told: the assignee and the helpers, the writer excepted


async def escalatable(session: AsyncSession, number: int, actor: Staff) -> Ticket:
    """The ticket, when `actor` may ask a colleague for help on it now; Refused otherwise."""
    ticket = await _ticket(session, number)
    if not rules.may_close(actor.role_set, actor.id, ticket.assignee_id):
        raise Refused("alert-assignee-only")
    if ticket.status not in rules.OPEN:
        raise Refused("alert-already-closed" if ticket.status == Status.CLOSED else "alert-not-assigned",
                      number=number)
    return ticket


async def escalate(session: AsyncSession, number: int, actor: Staff, helper_id: int, question: str,
                   now: datetime) -> Noted:
    """Ask `helper_id` for help on the ticket; the question is its first note to them."""
    ticket = await escalatable(session, number, actor)
    helper = await session.get(Staff, helper_id)
    if helper is None or not helper.active:
        raise Refused("alert-not-staff")
    if helper.id in (ticket.assignee_id, actor.id):
        raise Refused("escalate-self")
    if await session.get(TicketHelper, (number, helper.id)) is None:
        session.add(TicketHelper(ticket_id=number, staff_id=helper.id, asked_by_id=actor.id, asked_at=now))
    _event(session, ticket, actor, "escalated", f"to {helper.name}", now)
    note = _store(session, ticket, actor, question, now)
    await session.flush()
    return Noted(ticket, note, actor, [helper])


async def add_note(session: AsyncSession, number: int, actor: Staff, text: str, now: datetime) -> Noted:
    """An internal note by the assignee, a helper or a dispatcher; kept on a closed ticket too (nothing is lost)."""
    ticket, helpers = await notable(session, number, actor)
    note = _store(session, ticket, actor, text, now)
    _event(session, ticket, actor, "noted", None, now)
    await session.flush()
    assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
    readers = [p for p in ([assignee] if assignee else []) + helpers if p.id != actor.id and p.active]
    return Noted(ticket, note, actor, list({p.id: p for p in readers}.values()))


async def notable(session: AsyncSession, number: int, actor: Staff) -> tuple[Ticket, list[Staff]]:
    """(the ticket, its helpers), when `actor` may write a note on it; Refused otherwise."""
    ticket = await _ticket(session, number)
    helpers = await helpers_of(session, number)
    if actor.id not in {h.id for h in helpers} and not rules.may_close(actor.role_set, actor.id, ticket.assignee_id):
        raise Refused("alert-helper-only")
    return ticket, helpers


async def record_help(session: AsyncSession, number: int, actor: Staff, minutes: int, now: datetime) -> Ticket:
    """A helper's time on the ticket: an entry of its own, added to the ticket's total, the ticket left as it is."""
    ticket = await _ticket(session, number)
    if await session.get(TicketHelper, (number, actor.id)) is None:
        raise Refused("alert-helper-only")
    if not 0 < minutes <= MAX_MINUTES:
        raise ValueError(f"{minutes} minutes")  # only the buttons' and the parser's values reach here
    await session.execute(update(Ticket).where(Ticket.id == number).values(
        time_spent_minutes=func.coalesce(Ticket.time_spent_minutes, 0) + minutes))
    session.add(TimeEntry(ticket_id=number, staff_id=actor.id, minutes=minutes, no_charge=False, recorded_at=now))
    _event(session, ticket, actor, "time_recorded", f"{minutes} min (helping)", now)
    return ticket


async def helpers_of(session: AsyncSession, number: int) -> list[Staff]:
    return list(await session.scalars(
        select(Staff).join(TicketHelper, TicketHelper.staff_id == Staff.id)
        .where(TicketHelper.ticket_id == number).order_by(TicketHelper.asked_at, Staff.id)))


def _store(session: AsyncSession, ticket: Ticket, actor: Staff, text: str, now: datetime) -> Message:
    body = text.strip()[:MAX_NOTE_CHARS]
    if not body:
        raise Refused("note-empty")
    ticket.updated_at = now  # a note is work on the ticket: it is not stale
    note = Message(ticket_id=ticket.id, direction=NOTE, sender_email="", sender_name=actor.name, subject="",
                   body=body, created_at=now, forwarded_at=now)
    session.add(note)
    return note
