"""Automatic assignment: a ticket entering a department that assigns by itself gets its person at once.

`place` is the one way in, whoever puts the ticket into the department (a dispatcher's tap, the web
form's request type, a routing rule): it sets the department and, in a round_robin or least_loaded
department, assigns the person `assignment_rules.choose` picks, in the same transaction. The
department's row is locked first (SELECT ... FOR UPDATE on PostgreSQL, a write on SQLite, which
then serializes writers), so two tickets entering at once see each other's assignment: round robin
gives them to different people and a cap holds. `pass_on` moves a ticket nobody took within
`take_within` to the next person, and back to the dispatcher after everyone.

Who is told: a caller that tells the assignee itself (the bot's tap) says `told=True`; otherwise the
ticket is marked (`tell_assignee_at`) and the bot's sweep sends the same card a tap would
(bot/sweeps/assigned.py). Every decision is an audit event with its reason in words.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch import assignment_rules as choice_rules
from deskbot.dispatch import rules
from deskbot.dispatch.config import Config
from deskbot.dispatch.config import Department as DepartmentConfig
from deskbot.dispatch.rules import Status
from deskbot.dispatch.tickets import Done, Refused, assignment_counted
from deskbot.storage.models import AssignmentOffer, Department, Staff, StaffDepartment, Ticket, TicketEvent

MODES = {choice_rules.ROUND_ROBIN, choice_rules.LEAST_LOADED}


@dataclass(frozen=True, slots=True)
class Placed:
    """What `place` and `pass_on` did: `assignee` None when nobody was assigned (see `reason`)."""

    ticket: Ticket
    assignee: Staff | None = None
    reason: str = ""  # the choice in words; "" for a department that assigns by hand
    previous: Staff | None = None  # pass_on: who did not take it

    @property
    def automatic(self) -> bool:
        return bool(self.reason)

    def done(self, actor: Staff | None) -> Done:
        return Done(self.ticket, actor, self.assignee, previous=self.previous)


def mode_of(config: Config, department: Department | None) -> str:
    settings = config.department(department.key) if department is not None else None
    return settings.assign if settings is not None else choice_rules.MANUAL


async def department_mode(session: AsyncSession, config: Config, department_id: int) -> str:
    return mode_of(config, await session.get(Department, department_id))


async def place(session: AsyncSession, config: Config, number: int, department_id: int, now: datetime, *,
                actor: Staff | None = None, told: bool = False) -> Placed:
    """Put a waiting ticket into the department; in an automatic one, assign it (or say why nobody).

    A ticket that no longer waits (assigned meanwhile, closed) is left as it is. `actor`: the
    dispatcher whose tap chose the department (None: deskbot, a rule, the web form).
    """
    department = await _locked(session, department_id)
    ticket = await session.get(Ticket, number, populate_existing=True)
    if ticket is None:
        raise Refused("alert-ticket-not-found", number=number)
    if department is None or not department.active or ticket.status != Status.NEW:
        return Placed(ticket)
    if ticket.department_id != department.id:  # conditional: a dispatcher's tap may have assigned it meanwhile
        moved = await session.execute(update(Ticket).where(Ticket.id == number, Ticket.status == Status.NEW)
                                      .values(department_id=department.id, updated_at=now))
        ticket = await _fresh(session, number)
        if moved.rowcount != 1:
            return Placed(ticket)
    settings = config.department(department.key)
    if settings is None or settings.assign not in MODES:
        return Placed(ticket)
    await session.execute(delete(AssignmentOffer).where(AssignmentOffer.ticket_id == number))
    people = await candidates(session, config, department.id, now)
    choice = choice_rules.choose(settings.assign, people, department.last_assigned_id, max_open=settings.max_open)
    if choice.person is None:
        _event(session, number, actor, "not_auto_assigned", f"in {department.name}: {choice.reason}", now)
        return Placed(ticket, None, choice.reason)
    assignee = await session.get(Staff, choice.person.id)
    given = await _give(session, config, settings, department, ticket, assignee, now, actor=actor, told=told,
                        was=Status.NEW, previous=None)
    if not given:
        return Placed(await _fresh(session, number))
    _event(session, number, actor, "auto_assigned", f"to {assignee.name} in {department.name}: {choice.reason}", now)
    return Placed(await _fresh(session, number), assignee, choice.reason)


async def pass_on(session: AsyncSession, config: Config, number: int, now: datetime) -> Placed | None:
    """A ticket its automatic assignee has not taken by `take_by`: to the next available person who has
    not had it, else back to the dispatcher (waiting again, with its reminders). None: nothing to do."""
    ticket = await session.get(Ticket, number, populate_existing=True)
    if ticket is None or ticket.status != Status.ASSIGNED or ticket.take_by is None or ticket.take_by > now \
            or ticket.assigned_how is None or ticket.department_id is None:
        return None
    department = await _locked(session, ticket.department_id)
    settings = config.department(department.key) if department is not None else None
    previous = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
    if settings is None or settings.assign not in MODES or settings.take_within is None:
        ticket.take_by = None  # the department no longer passes tickets on: it stays where it is
        return None
    tried = frozenset(await session.scalars(select(AssignmentOffer.staff_id)
                                            .where(AssignmentOffer.ticket_id == number)))
    people = await candidates(session, config, department.id, now)
    choice = choice_rules.choose(settings.assign, people, department.last_assigned_id, max_open=settings.max_open,
                                 tried=tried | ({previous.id} if previous else set()))
    who = previous.name if previous else "?"
    late = f"not taken within {_words(settings.take_within)} by {who}"
    if choice.person is None:
        await session.execute(update(Ticket).where(Ticket.id == number).values(
            status=Status.NEW, assignee_id=None, assigned_by_id=None, assigned_at=None, assigned_how=None,
            take_by=None, tell_assignee_at=None, updated_at=now,
            next_nag_at=rules.next_nag_at(now, config.dispatch.nag_every, config.nag_hours())))
        _event(session, number, None, "back_to_dispatcher", f"{late}; {choice.reason}", now)
        return Placed(await _fresh(session, number), None, choice.reason, previous)
    assignee = await session.get(Staff, choice.person.id)
    if not await _give(session, config, settings, department, ticket, assignee, now, actor=None, told=True,
                       was=Status.ASSIGNED, previous=previous.id if previous else None):
        return None
    _event(session, number, None, "auto_assigned", f"to {assignee.name} in {department.name}: {late}; "
                                                   f"{choice.reason}", now)
    return Placed(await _fresh(session, number), assignee, choice.reason, previous)


async def candidates(session: AsyncSession, config: Config, department_id: int,
                     now: datetime) -> list[choice_rules.Candidate]:
    """The department's active people with their open tickets and whether they are available now."""
    people = list(await session.scalars(
        select(Staff).join(StaffDepartment, StaffDepartment.staff_id == Staff.id)
        .where(StaffDepartment.department_id == department_id, Staff.active.is_(True)).order_by(Staff.id)))
    return await _as_candidates(session, config, people, now)


async def pick_from_pool(session: AsyncSession, config: Config, staff_ids: list[int],
                         now: datetime) -> choice_rules.Choice:
    """A routing rule's pool: the available person with the fewest open tickets (a tie: the lowest staff id)."""
    people = list(await session.scalars(select(Staff).where(Staff.id.in_(staff_ids), Staff.active.is_(True))
                                        .order_by(Staff.id)))
    return choice_rules.choose(choice_rules.LEAST_LOADED, await _as_candidates(session, config, people, now), None)


async def _as_candidates(session: AsyncSession, config: Config, people: list[Staff],
                         now: datetime) -> list[choice_rules.Candidate]:
    if not people:
        return []
    loads = dict((await session.execute(
        select(Ticket.assignee_id, func.count()).where(Ticket.assignee_id.in_([p.id for p in people]),
                                                       Ticket.status.in_(list(rules.OPEN)))
        .group_by(Ticket.assignee_id))).all())
    found = []
    for person in people:
        member = config.member(person.telegram_id)
        absent = choice_rules.absence(now, config.working_hours(member), member.leave if member is not None else (),
                                      person.away_since, person.away_until)
        found.append(choice_rules.Candidate(person.id, person.name, loads.get(person.id, 0), absent))
    return found


async def _give(session: AsyncSession, config: Config, settings: DepartmentConfig, department: Department,
                ticket: Ticket, assignee: Staff, now: datetime, *, actor: Staff | None, told: bool, was: str,
                previous: int | None) -> bool:
    """Assign, conditionally (a dispatcher's tap may have won meanwhile); move the cursor, note the offer."""
    hours = config.working_hours(config.member(assignee.telegram_id))
    condition = [Ticket.id == ticket.id, Ticket.status == was]
    if previous is not None:
        condition.append(Ticket.assignee_id == previous)
    changed = await session.execute(update(Ticket).where(*condition).values(
        status=Status.ASSIGNED, assignee_id=assignee.id, assigned_by_id=actor.id if actor else None,
        assigned_at=now, department_id=department.id, taken_at=None, next_nag_at=None, updated_at=now,
        assigned_how=settings.assign, take_by=choice_rules.take_deadline(now, settings.take_within, hours),
        tell_assignee_at=None if told else now))
    if changed.rowcount != 1:
        return False
    department.last_assigned_id = assignee.id
    if was == Status.NEW:
        assignment_counted(session, ticket.created_at, now, "automatic")
    session.add(AssignmentOffer(ticket_id=ticket.id, staff_id=assignee.id, offered_at=now))
    await session.flush()
    return True


async def _locked(session: AsyncSession, department_id: int) -> Department | None:
    """The department's row, locked until the commit: automatic choices in it happen one at a time."""
    if (await session.connection()).dialect.name == "sqlite":
        # SQLite has no row locks: a write takes the database's write lock, which serializes choosers.
        await session.execute(update(Department).where(Department.id == department_id)
                              .values(last_assigned_id=Department.last_assigned_id))
        return await session.get(Department, department_id, populate_existing=True)
    return await session.scalar(select(Department).where(Department.id == department_id)
                                .with_for_update().execution_options(populate_existing=True))


async def _fresh(session: AsyncSession, number: int) -> Ticket:
    return await session.get(Ticket, number, populate_existing=True)


def _event(session: AsyncSession, number: int, actor: Staff | None, kind: str, detail: str, now: datetime) -> None:
    session.add(TicketEvent(ticket_id=number, staff_id=actor.id if actor else None, kind=kind, detail=detail, at=now))


def _words(duration) -> str:
    minutes = int(duration.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours}h" if hours else "", f"{minutes}m" if minutes else "") if part) \
        or f"{int(duration.total_seconds())}s"
