"""Routing rules acting on tickets, in the caller's transaction: the intake's (a new ticket, a customer's
reply) or a time sweep's. A crash leaves either the ticket and everything its rules did, or neither.

What a rule changes on the ticket (department, assignee, priority, tags) is written here, with one audit
event per decision naming the rule; what it must tell people (the assignee's card, notices, the
customer's templated mail) is kept in its `rule_firings` row with `told_at` NULL, and a sweep of the bot
sends it (bot/sweeps/ruled.py), as the announcer does for new tickets.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.config import Config
from deskbot.dispatch.routing import Facts, Fired, Rulebook
from deskbot.dispatch.rules import Status
from deskbot.dispatch.tickets import assignment_counted
from deskbot.storage.models import Contract, Department, RuleFiring, Staff, Ticket, TicketEvent


def _always_open(_moment: datetime) -> bool:
    return True


# (session, ticket, department id, now): the department's automatic assignment, for a ticket a rule put there
Place = Callable[[AsyncSession, int, int, datetime], Awaitable[object]]
# (session, staff ids, now): who of a rule's pool gets the ticket (assignment_rules.Choice)
Pick = Callable[[AsyncSession, list[int], datetime], Awaitable[Any]]


@dataclass(frozen=True)
class Routing:
    """The desk's rules, compiled once, how to tell business hours (the caller's calendar), and the
    departments that assign by themselves (`automatic`, keys) with how (`place`)."""

    book: Rulebook = field(default_factory=Rulebook)
    in_hours: Callable[[datetime], bool] = _always_open
    automatic: frozenset[str] = frozenset()
    place: Place | None = None
    pick: Pick | None = None

    @classmethod
    def of(cls, config: Config, in_hours: Callable[[datetime], bool] | None = None) -> Routing:
        """The config's rules; business hours are the desk's calendar ([calendar]) unless `in_hours` is given."""
        from deskbot.dispatch import assignment  # it uses the tickets' use cases, which use this module's

        async def place(session: AsyncSession, number: int, department_id: int, now: datetime) -> object:
            return await assignment.place(session, config, number, department_id, now)
        async def pick(session: AsyncSession, staff_ids: list[int], now: datetime) -> Any:
            return await assignment.pick_from_pool(session, config, staff_ids, now)
        automatic = frozenset(d.key for d in config.departments if d.assign != "manual")
        return cls(Rulebook.compile(config.rules, config.rule_sets), in_hours or config.business_hours().is_open,
                   automatic, place, pick)


async def with_contract(session: AsyncSession, organizations: set[int]) -> set[int]:
    """Which of these organizations have a contract."""
    if not organizations:
        return set()
    return set(await session.scalars(select(Contract.organization_id).where(
        Contract.organization_id.in_(organizations))))


@dataclass(slots=True)
class _State:
    """A ticket as the rules change it, and what changed."""

    status: str
    department_id: int | None
    assignee_id: int | None
    priority: str
    tags: list[str]
    values: dict = field(default_factory=dict)


class _People:
    """Departments and staff by the names rules use, read once per batch."""

    def __init__(self, departments: dict[str, int], staff: dict[str | int, tuple[int, str]]) -> None:
        self.departments, self.staff = departments, staff

    @classmethod
    async def read(cls, session: AsyncSession) -> _People:
        departments = dict((await session.execute(
            select(Department.key, Department.id).where(Department.active.is_(True)))).all())
        staff: dict[str | int, tuple[int, str]] = {}
        for staff_id, telegram_id, name in await session.execute(
                select(Staff.id, Staff.telegram_id, Staff.name).where(Staff.active.is_(True))):
            staff[telegram_id] = staff.setdefault(name, (staff_id, name))
        return cls(departments, staff)


async def apply(session: AsyncSession, candidates: Sequence[tuple[int, Facts]], routing: Routing,
                now: datetime) -> dict[int, list[Fired]]:
    """Evaluate the rules on each (ticket, facts) and carry out what fires; ticket -> the rules that fired."""
    fired = {number: hits for number, facts in candidates if (hits := routing.book.evaluate(facts))}
    await carry_out(session, fired, {number: facts.trigger for number, facts in candidates}, now, routing)
    return fired


async def carry_out(session: AsyncSession, fired: dict[int, list[Fired]], trigger: dict[int, str],
                    now: datetime, routing: Routing | None = None) -> None:
    """Do what the fired rules say to each ticket; a firing row and audit events for each. A ticket a
    rule put into a department that assigns by itself, and assigned to nobody, is then assigned there."""
    if not fired:
        return
    people = await _People.read(session)
    states = {number: _State(status, department, assignee, priority or "normal", _split(tags))
              for number, status, department, assignee, priority, tags in await session.execute(
                  select(Ticket.id, Ticket.status, Ticket.department_id, Ticket.assignee_id, Ticket.priority,
                         Ticket.tags).where(Ticket.id.in_(fired)))}
    events: list[dict] = []
    firings: list[dict] = []
    opened: list[tuple[int, _State]] = []  # tickets of this very transaction: nobody else can change them
    for number, hits in fired.items():
        state = states.get(number)
        if state is None:
            continue
        for hit in hits:
            pooled = await _from_pool(session, routing, state, hit, people, number, now, events)
            effects = _act(state, hit, people, number, now, events, pooled)
            firings.append({"ticket_id": number, "rule": hit.rule, "trigger": trigger[number],
                            "reasons": json.dumps([[r.condition, r.value] for r in hit.reasons], ensure_ascii=False),
                            "effects": json.dumps(effects, ensure_ascii=False), "fired_at": now,
                            "told_at": None if _to_tell(effects) else now})
        if state.values and trigger[number] == "new":
            opened.append((number, state))
        elif state.values:
            await _write(session, number, state, now)
    await _write_opened(session, opened, now)
    if events:
        await session.execute(insert(TicketEvent.__table__), events)
    await session.execute(insert(RuleFiring.__table__), firings)
    if routing is not None and routing.place is not None and routing.automatic:
        automatic = {people.departments[key] for key in routing.automatic if key in people.departments}
        for number, state in states.items():
            if "department_id" in state.values and state.department_id in automatic and state.status == Status.NEW:
                await routing.place(session, number, state.department_id, now)


async def _from_pool(session: AsyncSession, routing: Routing | None, state: _State, hit: Fired, people: _People,
                     number: int, now: datetime, events: list[dict]) -> tuple[int, str] | None:
    """Who of the rule's pool gets a ticket nobody has; nobody available: said in the audit log, and the
    ticket stays with the dispatcher."""
    members = [people.staff[who][0] for who in hit.actions.pool if who in people.staff]
    if not members or state.status != Status.NEW or routing is None or routing.pick is None:
        return None
    choice = await routing.pick(session, members, now)
    if choice.person is None:
        events.append({"ticket_id": number, "staff_id": None, "kind": "not_auto_assigned",
                       "detail": f"{choice.reason} by rule «{hit.rule}»", "at": now})
        return None
    return choice.person.id, choice.person.name


def _act(state: _State, hit: Fired, people: _People, number: int, now: datetime, events: list[dict],
         pooled: tuple[int, str] | None = None) -> dict:
    """One rule's actions on the ticket's state; what it did, for its firing row. `pooled`: the one of
    the rule's pool who gets it."""
    a, by = hit.actions, f"by rule «{hit.rule}»"
    effects: dict = {}

    def event(kind: str, detail: str) -> None:
        events.append({"ticket_id": number, "staff_id": None, "kind": kind, "detail": f"{detail} {by}", "at": now})

    department = people.departments.get(a.department) if a.department else None
    if department is not None and state.status == Status.NEW and state.department_id != department:
        state.department_id = state.values["department_id"] = department
        effects["department"] = a.department
        event("routed", f"to {a.department}")
    assignee = pooled or (people.staff.get(a.assign) if a.assign != "" else None)
    if assignee is not None and state.status == Status.NEW:
        state.status, state.assignee_id = Status.ASSIGNED, assignee[0]
        state.values.update(status=Status.ASSIGNED, assignee_id=assignee[0], assigned_by_rule=hit.rule)
        effects["assign"], effects["assignee"] = assignee[0], assignee[1]
        event("assigned", f"to {assignee[1]}")
    if a.priority and a.priority != state.priority:
        state.priority = state.values["priority"] = a.priority
        state.values["sla_check_at"] = now  # the targets may depend on the priority: the SLA sweep looks again
        effects["priority"] = a.priority
        event("priority", f"set to {a.priority}")
    new_tags = [t for t in a.tags if t not in state.tags]
    if new_tags:
        state.tags += new_tags
        state.values["tags"] = ",".join(state.tags)
        effects["tags"] = new_tags
        event("tagged", ", ".join(new_tags))
    notify = sorted({people.staff[who][0] for who in a.notify if who in people.staff})
    if notify:
        effects["notify"] = notify
    if a.reply:
        effects["reply"] = a.reply
    return effects


def _to_tell(effects: dict) -> bool:
    return bool(effects.get("assign") or effects.get("notify") or effects.get("reply"))


async def _write_opened(session: AsyncSession, opened: list[tuple[int, _State]], now: datetime) -> None:
    """New tickets in two statements for the whole batch (one a ticket costs a database round trip each)."""
    if not opened:
        return
    table = Ticket.__table__
    await session.execute(
        update(table).where(table.c.id == bindparam("b_id")).values(
            department_id=bindparam("b_department"), priority=bindparam("b_priority"), tags=bindparam("b_tags"),
            updated_at=now),
        [{"b_id": number, "b_department": state.department_id, "b_priority": state.priority,
          "b_tags": ",".join(state.tags)} for number, state in opened])
    assigned = [(number, state) for number, state in opened if "assignee_id" in state.values]
    for _ in assigned:
        assignment_counted(session, now, now, "rule")  # opened in this very transaction: no wait
    if assigned:
        await session.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(
                status=Status.ASSIGNED, assignee_id=bindparam("b_assignee"), assigned_by_rule=bindparam("b_rule"),
                assigned_by_id=None, assigned_at=now, taken_at=None, next_nag_at=None),
            [{"b_id": number, "b_assignee": state.assignee_id, "b_rule": state.values["assigned_by_rule"]}
             for number, state in assigned])


async def _write(session: AsyncSession, number: int, state: _State, now: datetime) -> None:
    values = dict(state.values)
    if "assignee_id" in values:
        # As a dispatcher's assignment (dispatch.tickets.assign), but by nobody: a dispatcher may override
        # it until the assignee takes it. Conditional, so that a tap a moment earlier wins.
        values.update(assigned_by_id=None, assigned_at=now, taken_at=None, next_nag_at=None)
    still_new = [Ticket.status == Status.NEW] if "status" in values else []
    changed = await session.execute(update(Ticket).where(Ticket.id == number, *still_new)
                                    .values(updated_at=now, **values))
    if changed.rowcount == 1 and "status" in values:
        assignment_counted(session, await session.scalar(select(Ticket.created_at).where(Ticket.id == number)),
                           now, "rule")
    if changed.rowcount != 1 and "status" in values:  # a person assigned it meanwhile: the rest still applies
        for key in ("status", "assignee_id", "assigned_by_rule", "assigned_by_id", "assigned_at", "taken_at",
                    "next_nag_at", "department_id"):
            values.pop(key, None)
        await session.execute(update(Ticket).where(Ticket.id == number).values(updated_at=now, **values))


def _split(tags: str | None) -> list[str]:
    return [t for t in (tags or "").split(",") if t]
