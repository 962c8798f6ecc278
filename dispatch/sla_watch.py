"""SLA of stored tickets: their figures, and the warnings and breaches due, claimed once.

A ticket's SLA terms are its contract's (calendar, targets) over the desk's [calendar] and [sla].
Figures are counted from the audit log (dispatch/sla.py), never stored: they move with time. What
is stored is when the sweep must look at a ticket (`tickets.sla_check_at`, indexed: set at creation
and by every event that moves the clock, then to its next warning or breach moment) and what was
told (`sla_alerts`, keyed per ticket, target and level), so a sweep reads only what is due and
several instances never tell twice.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch import sla
from deskbot.dispatch.calendar import Calendar, HoursError
from deskbot.dispatch.config import Config
from deskbot.dispatch.rules import Status
from deskbot.storage.db import after_commit
from deskbot.storage.models import Contract, Organization, SlaAlert, Staff, Ticket, TicketEvent
from deskbot.telemetry import metrics
from deskbot.telemetry.context import about

log = logging.getLogger("deskbot.sla")
MAX_PER_SWEEP = 200
_CHUNK = 1000  # ids per IN (): far below SQLite's and asyncpg's limits on parameters


@dataclass(frozen=True, slots=True)
class Terms:
    targets: sla.Targets
    calendar: Calendar


@dataclass(frozen=True, slots=True)
class Alert:
    ticket: Ticket
    target: str  # sla.FIRST_RESPONSE | sla.RESOLUTION
    level: str  # sla.WARNING | sla.BREACH
    figure: sla.Figure
    assignee: Staff | None


def terms_of(config: Config, contract: Contract | None, priority: str | None = None) -> Terms:
    """The contract's calendar and targets where it sets them, the desk's elsewhere."""
    desk = config.sla.targets(priority)
    if contract is None:
        return Terms(desk, config.business_hours())
    calendar = config.business_hours()
    if contract.sla_calendar and contract.sla_calendar in config.calendars:
        calendar = config.business_hours(contract.sla_calendar)
    targets = sla.Targets(_own(contract.first_response_minutes, desk.first_response),
                          _own(contract.resolution_minutes, desk.resolution), desk.warn_at)
    return Terms(targets, calendar)


def unknown_calendars(config: Config, contracts: Iterable[tuple[str, str | None]]) -> list[str]:
    """One line per contract (domain, calendar key) whose calendar is not in [calendars]."""
    known = ", ".join(config.calendars) or "none"
    return [f"contract of {domain}: calendar {key!r} is not in [calendars] (known: {known}); "
            f"its SLA counts the desk's [calendar]" for domain, key in contracts if key and key not in config.calendars]


async def check_contract_calendars(session: AsyncSession, config: Config) -> list[str]:
    """At start-up: the contracts naming a calendar the config no longer has, each as a clear line."""
    rows = await session.execute(select(Organization.domain, Contract.sla_calendar).join(Organization)
                                 .where(Contract.sla_calendar.is_not(None)))
    return unknown_calendars(config, rows.all())


async def ticket_figures(session: AsyncSession, config: Config, tickets: Sequence[Ticket], now: datetime
                         ) -> dict[int, dict[str, sla.Figure]]:
    """Ticket number -> its figures per target (empty when it has no SLA)."""
    if not tickets:
        return {}
    contracts = await _contracts(session, {t.organization_id for t in tickets if t.organization_id is not None})
    events = await _events(session, [t.id for t in tickets])
    found = {}
    for ticket in tickets:
        terms = terms_of(config, contracts.get(ticket.organization_id), getattr(ticket, "priority", None))
        if not terms.targets.any:
            found[ticket.id] = {}
            continue
        line = sla.timeline(ticket.created_at, events.get(ticket.id, ()))
        if ticket.status == Status.CLOSED and line.resolved is None:  # closed with no event of it (imported)
            closed = [("closed", ticket.closed_at or ticket.updated_at)]
            line = sla.timeline(ticket.created_at, [*events.get(ticket.id, ()), *closed])
        try:
            found[ticket.id] = sla.figures(line, terms.calendar, terms.targets, now)
        except HoursError as exc:  # a calendar whose holidays cover a whole year: no clock can run
            log.warning("ticket #%d: SLA not counted: %s", ticket.id, exc)
            found[ticket.id] = {}
    return found


async def summary(session: AsyncSession, config: Config, numbers: Sequence[int], at: datetime) -> sla.Summary | None:
    """How the SLA targets of these tickets went, as of `at` (a report's month end, or now)."""
    tickets: list[Ticket] = []
    for start in range(0, len(numbers), _CHUNK):
        tickets += await session.scalars(select(Ticket).where(Ticket.id.in_(numbers[start:start + _CHUNK])))
    return sla.summarize((await ticket_figures(session, config, tickets, at)).values())


async def alerts_due(session: AsyncSession, config: Config, now: datetime) -> list[Alert]:
    """The warnings and breaches due now, recorded as told (alerts and audit events) in the caller's
    transaction; each claimed ticket's next look is set. The caller tells them."""
    tickets = list(await session.scalars(
        select(Ticket).where(Ticket.sla_check_at <= now).order_by(Ticket.sla_check_at, Ticket.id)
        .limit(MAX_PER_SWEEP).with_for_update(skip_locked=True, key_share=True)))  # PostgreSQL: never twice
    if not tickets:
        return []
    found = await ticket_figures(session, config, tickets, now)
    sent: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for number, target, level in await session.execute(
            select(SlaAlert.ticket_id, SlaAlert.target, SlaAlert.level)
            .where(SlaAlert.ticket_id.in_([t.id for t in tickets]))):
        sent[number].add((target, level))
    alerts = []
    for ticket in tickets:
        due, later = sla.alerts_due(found[ticket.id], sent[ticket.id], now)
        ticket.sla_check_at = later
        for target, level in due:
            figure = found[ticket.id][target]
            session.add(SlaAlert(ticket_id=ticket.id, target=target, level=level, at=now))
            session.add(TicketEvent(ticket_id=ticket.id, staff_id=None, kind=f"sla_{level}",
                                    detail=_detail(target, level, figure), at=now))
            assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
            alerts.append(Alert(ticket, target, level, figure, assignee))
            after_commit(session, metrics.SLA_ALERTS.labels(level, target).inc)
            with about(ticket=ticket.id):
                log.info("SLA %s: %s of ticket #%d", level, target, ticket.id)
    await session.flush()  # a second instance's alert of the same ticket and level fails on the key, not twice
    return alerts


async def recheck_open(session: AsyncSession, now: datetime, organization_id: int | None = None) -> None:
    """Open tickets (of one organization) are looked at again: their terms may have changed."""
    query = update(Ticket).where(Ticket.status != Status.CLOSED)
    if organization_id is not None:
        query = query.where(Ticket.organization_id == organization_id)
    await session.execute(query.values(sla_check_at=now))


def as_json(found: dict[str, sla.Figure]) -> dict[str, dict]:
    """A ticket's figures as `deskbot tickets --json` prints them (minutes of business time)."""
    return {name: {"target_minutes": _minutes(one.target), "elapsed_minutes": _minutes(one.elapsed),
                   "warn_at": _iso(one.warn), "due": _iso(one.due), "done": _iso(one.done), "state": str(one.state)}
            for name, one in found.items()}


def _minutes(amount: timedelta) -> int:
    return int(amount.total_seconds() // 60)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _own(minutes: int | None, desk: timedelta | None) -> timedelta | None:
    if minutes is None:
        return desk
    return timedelta(minutes=minutes) if minutes > 0 else None


def _detail(target: str, level: str, figure: sla.Figure) -> str:
    name = target.replace("_", " ")
    used = _hours(figure.elapsed)
    if level == sla.WARNING:
        return f"{name}: {used} of {_hours(figure.target)} business time used"
    return f"{name}: target {_hours(figure.target)} missed"


def _hours(amount: timedelta) -> str:
    minutes = int(amount.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


async def _contracts(session: AsyncSession, organizations: set[int]) -> dict[int, Contract]:
    found: dict[int, Contract] = {}
    ids = sorted(organizations)
    for start in range(0, len(ids), _CHUNK):
        for contract in await session.scalars(select(Contract).where(
                Contract.organization_id.in_(ids[start:start + _CHUNK]))):
            found[contract.organization_id] = contract
    return found


async def _events(session: AsyncSession, numbers: list[int]) -> dict[int, list[tuple[str, datetime]]]:
    found: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for start in range(0, len(numbers), _CHUNK):
        rows = await session.execute(
            select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.at)
            .where(TicketEvent.ticket_id.in_(numbers[start:start + _CHUNK]), TicketEvent.kind.in_(sla.KINDS))
            .order_by(TicketEvent.id))
        for number, kind, at in rows:
            found[number].append((kind, at))
    return found
