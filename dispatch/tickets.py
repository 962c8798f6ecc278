"""What people do to a ticket from Telegram: assign, take, reassign, close with the time spent.

Each function re-reads the ticket and the person in the caller's transaction and checks
role and state there (a button's numbers grant nothing), changes the ticket with a
conditional UPDATE so that of two dispatchers pressing at once exactly one wins, and
writes the audit event. The caller adds the notifications to the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch import rules, sla
from deskbot.dispatch.calendar import Calendar
from deskbot.dispatch.rules import Status
from deskbot.storage.db import after_commit
from deskbot.storage.models import Department, Staff, Ticket, TicketEvent, TimeEntry
from deskbot.telemetry import metrics


class Refused(Exception):
    """A person may not do this now; `key` names the catalog text that tells them why."""

    def __init__(self, key: str, **args: object) -> None:
        super().__init__(key)
        self.key = key
        self.args_for_text = args


@dataclass(frozen=True, slots=True)
class Done:
    ticket: Ticket
    actor: Staff | None  # None: deskbot itself (a customer's reply, the auto-close)
    assignee: Staff | None = None
    previous: Staff | None = None  # the assignee someone else replaced (an override of an automatic or a rule's choice, take_within)


async def staff_by_telegram(session: AsyncSession, telegram_id: int) -> Staff | None:
    return await session.scalar(select(Staff).where(Staff.telegram_id == telegram_id, Staff.active.is_(True)))


async def assign(session: AsyncSession, number: int, actor: Staff, assignee_id: int, now: datetime,
                 department_id: int | None = None) -> Done:
    """A dispatcher's choice: of a waiting ticket, or over the department's automatic choice while
    that person has not taken it (the override)."""
    if not rules.may_assign(actor.role_set):
        raise Refused("alert-dispatcher-only")
    assignee = await session.get(Staff, assignee_id)
    if assignee is None or not assignee.active:
        raise Refused("alert-not-staff")
    if department_id is not None and await session.get(Department, department_id) is None:
        department_id = None  # a department removed since the button was drawn: assign all the same
    before = await _ticket(session, number)
    previous = before.assignee_id if before.status == Status.ASSIGNED else None
    by_rule = before.assigned_by_rule  # read before the update below refreshes the same object
    waited = before.created_at if before.status == Status.NEW else None
    overridable = (Ticket.status == Status.NEW) | ((Ticket.status == Status.ASSIGNED) & or_(
        Ticket.assigned_how.is_not(None), Ticket.assigned_by_rule.is_not(None)))
    changed = await session.execute(
        update(Ticket)
        .where(Ticket.id == number, overridable)
        .values(status=Status.ASSIGNED, assignee_id=assignee.id, assigned_by_id=actor.id, assigned_at=now,
                department_id=department_id, assigned_how=None, assigned_by_rule=None, take_by=None,
                tell_assignee_at=None, taken_at=None, next_nag_at=None, updated_at=now)
    )
    ticket = await _ticket(session, number)
    if changed.rowcount != 1:
        raise await _why_not_assignable(session, ticket)
    if waited is not None:
        assignment_counted(session, waited, now, "dispatcher")
    replaced = await session.get(Staff, previous) if previous not in (None, assignee.id) else None
    over = f" (over rule «{by_rule}»)" if previous is not None and by_rule else ""
    _event(session, ticket, actor, "assigned", f"to {assignee.name}" + (f" instead of {replaced.name}"
                                                                       if replaced else "") + over, now)
    return Done(ticket, actor, assignee, previous=replaced)


def assignment_counted(session: AsyncSession, created_at: datetime, now: datetime, how: str) -> None:
    """A waiting ticket got its assignee (`how`: dispatcher, automatic, rule): its wait, counted at the commit."""
    seconds = max(0.0, (now - created_at).total_seconds())
    after_commit(session, lambda: metrics.TIME_TO_ASSIGNMENT.labels(how).observe(seconds))


async def take(session: AsyncSession, number: int, actor: Staff, now: datetime) -> Done:
    ticket = await _ticket(session, number)
    if not rules.may_take(actor.role_set, actor.id, ticket.assignee_id):
        raise Refused("alert-assignee-only")
    _move(ticket, rules.Action.TAKE)
    ticket.taken_at = ticket.updated_at = now
    ticket.take_by = None
    _event(session, ticket, actor, "taken", None, now)
    return Done(ticket, actor, actor)


async def reassign(session: AsyncSession, number: int, actor: Staff, now: datetime, nag_every,
                   hours: Calendar | None = None) -> Done:
    """Back to the dispatcher: the ticket waits for assignment again, and nags again (within `hours`)."""
    ticket = await _ticket(session, number)
    if not rules.may_reassign(actor.role_set, actor.id, ticket.assignee_id):
        raise Refused("alert-assignee-only")
    _move(ticket, rules.Action.REASSIGN)
    previous = ticket.assignee_id
    ticket.assignee_id = ticket.assigned_by_id = ticket.assigned_at = ticket.taken_at = ticket.waiting_since = None
    ticket.assigned_how = ticket.assigned_by_rule = ticket.take_by = ticket.tell_assignee_at = None
    ticket.next_nag_at = rules.next_nag_at(now, nag_every, hours)
    ticket.updated_at = now
    _event(session, ticket, actor, "reassigned", f"from staff {previous}", now)
    return Done(ticket, actor)


async def wait(session: AsyncSession, number: int, actor: Staff, now: datetime) -> Done:
    """Waiting for the customer: their reply puts it back in work, their silence closes it (dispatch.waiting)."""
    ticket = await _ticket(session, number)
    if not rules.may_close(actor.role_set, actor.id, ticket.assignee_id):
        raise Refused("alert-assignee-only")
    _move(ticket, rules.Action.WAIT)
    ticket.waiting_since = ticket.updated_at = now
    _event(session, ticket, actor, "waiting", None, now)
    return await _done(session, ticket, actor)


async def resume(session: AsyncSession, number: int, actor: Staff | None, now: datetime) -> Done:
    """Back in work; `actor` None when the customer's reply did it."""
    ticket = await _ticket(session, number)
    if actor is not None and not rules.may_close(actor.role_set, actor.id, ticket.assignee_id):
        raise Refused("alert-assignee-only")
    _move(ticket, rules.Action.RESUME)
    ticket.waiting_since = None
    ticket.updated_at = now
    _event(session, ticket, actor, "resumed", None if actor else "the customer replied", now)
    return await _done(session, ticket, actor)


async def _done(session: AsyncSession, ticket: Ticket, actor: Staff | None) -> Done:
    assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
    return Done(ticket, actor, assignee)


async def check_closable(session: AsyncSession, number: int, actor: Staff) -> Ticket:
    """Before asking for the time: only the assignee or a dispatcher closes, and not twice."""
    ticket = await _ticket(session, number)
    if not rules.may_close(actor.role_set, actor.id, ticket.assignee_id):
        raise Refused("alert-assignee-only")
    if ticket.status == Status.CLOSED:
        raise Refused("alert-already-closed", number=number)
    if ticket.status == Status.NEW:
        raise Refused("alert-not-assigned")
    return ticket


async def close(session: AsyncSession, number: int, actor: Staff, minutes: int, no_charge: bool, now: datetime) -> Done:
    """Closes only with the time recorded (or no charge): the monthly report depends on it."""
    ticket = await check_closable(session, number, actor)
    try:
        rules.transition(Status(ticket.status), rules.Action.CLOSE, time_spent=minutes, no_charge=no_charge)
    except rules.TransitionError as exc:
        raise _refusal(exc, ticket) from None
    # Conditional, like assign: of two presses of "1 h" only one closes and records time.
    changed = await session.execute(
        update(Ticket)
        .where(Ticket.id == number, Ticket.status == ticket.status)
        .values(status=Status.CLOSED, closed_at=now, updated_at=now, next_nag_at=None, no_charge=no_charge,
                waiting_since=None,
                time_spent_minutes=func.coalesce(Ticket.time_spent_minutes, 0) + minutes)
    )
    ticket = await _ticket(session, number)
    if changed.rowcount != 1:
        raise Refused("alert-already-closed", number=number)
    session.add(TimeEntry(ticket_id=ticket.id, staff_id=actor.id, minutes=minutes, no_charge=no_charge, recorded_at=now))
    spent = "no charge" if no_charge else f"{minutes} min"
    _event(session, ticket, actor, "closed", spent, now)
    _event(session, ticket, actor, "time_recorded", spent, now)
    assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
    return Done(ticket, actor, assignee)


async def _ticket(session: AsyncSession, number: int) -> Ticket:
    ticket = await session.get(Ticket, number, populate_existing=True)
    if ticket is None:
        raise Refused("alert-ticket-not-found", number=number)
    return ticket


async def _why_not_assignable(session: AsyncSession, ticket: Ticket) -> Refused:
    if ticket.status == Status.CLOSED:
        return Refused("alert-already-closed", number=ticket.id)
    who = await session.get(Staff, ticket.assigned_by_id) if ticket.assigned_by_id else None
    whom = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
    return Refused("alert-already-assigned", who=who.name if who else "?", whom=whom.name if whom else "?")


def _move(ticket: Ticket, action: rules.Action) -> None:
    try:
        ticket.status = rules.transition(Status(ticket.status), action)
    except rules.TransitionError as exc:
        raise _refusal(exc, ticket) from None


def _refusal(exc: rules.TransitionError, ticket: Ticket) -> Refused:
    keys = {
        "already_taken": "alert-already-taken",
        "already_closed": "alert-already-closed",
        "not_assigned": "alert-not-assigned",
        "already_waiting": "alert-already-waiting",
        "not_waiting": "alert-not-waiting",
    }
    return Refused(keys.get(exc.reason, "alert-not-assigned"), number=ticket.id)


def _event(session: AsyncSession, ticket: Ticket, actor: Staff | None, kind: str, detail: str | None, now) -> None:
    if kind in sla.KINDS:
        ticket.sla_check_at = now  # its SLA clock moved: the sweep looks again at once
    session.add(TicketEvent(ticket_id=ticket.id, staff_id=actor.id if actor else None, kind=kind, detail=detail, at=now))
