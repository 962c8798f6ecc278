"""The staff board: open tickets by state, and those closed today, read for the web face.

One bounded query per column; a window count tells how many the column holds beyond
what is shown. The waiting-for-assignment column ignores the filters: its tickets have
no department and nobody yet, and it is where a dispatcher assigns from.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from deskbot.dispatch import sla, sla_watch
from deskbot.dispatch.config import Config
from deskbot.dispatch.rules import Status
from deskbot.dispatch.staff import active_departments, department_people
from deskbot.storage.models import Department, Organization, Staff, StaffDepartment, Ticket

CLOSED_TODAY = "closed_today"
COLUMNS = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING, CLOSED_TODAY)
PER_COLUMN = 50  # the oldest first: those are the ones that need someone


@dataclass(frozen=True)
class Filters:
    department_id: int | None = None
    staff_id: int | None = None


@dataclass(frozen=True)
class Card:
    number: int
    subject: str
    organization: str | None
    department: str | None  # assigned through, or routed to by the request form's type
    assignee: str | None
    age: timedelta  # since the ticket came in
    stale: timedelta | None  # how long it has waited or lain untouched, when past the desk's patience
    closed_at: datetime | None
    sla: SlaMark | None = None  # an SLA target close to its due moment, or missed
    priority: str = "normal"
    tags: tuple[str, ...] = ()  # the desk's own labels (routing rules set them): staff see them, customers never


@dataclass(frozen=True)
class SlaMark:
    state: str  # warning | breached
    target: str  # first_response | resolution
    due: datetime | None


@dataclass(frozen=True)
class Column:
    key: str
    cards: list[Card]
    total: int  # the column's tickets; more than len(cards) when the column is cut


@dataclass(frozen=True)
class Team:
    """What the board offers to choose from: the same departments and people as the Telegram buttons."""

    departments: list[tuple[int, str, list[tuple[int, str]]]]  # (id, name, its active people)
    people: list[tuple[int, str]]  # everyone active in some department, once, by name


async def team(session: AsyncSession) -> Team:
    departments = [(d, name, await department_people(session, d)) for d, name in await active_departments(session)]
    people = sorted({person for _, _, members in departments for person in members}, key=lambda p: (p[1], p[0]))
    return Team(departments, people)


async def board(session: AsyncSession, config: Config, filters: Filters, now: datetime) -> list[Column]:
    return [await _column(session, config, key, filters, now) for key in COLUMNS]


def start_of_day(now: datetime, timezone: str) -> datetime:
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


async def _column(session: AsyncSession, config: Config, key: str, filters: Filters, now: datetime) -> Column:
    assignee = aliased(Staff)
    query = (select(Ticket, Organization.name, Department.name, assignee.name, func.count().over())
             .outerjoin(Organization, Organization.id == Ticket.organization_id)
             .outerjoin(Department, Department.id == Ticket.department_id)
             .outerjoin(assignee, assignee.id == Ticket.assignee_id))
    if key == CLOSED_TODAY:
        today = start_of_day(now, config.dispatch.timezone)
        query = query.where(Ticket.status == Status.CLOSED, Ticket.closed_at >= today)
        query = query.order_by(Ticket.closed_at.desc(), Ticket.id.desc())
    else:
        query = query.where(Ticket.status == key).order_by(Ticket.created_at, Ticket.id)
    if key != Status.NEW:
        query = _filtered(query, filters)
    rows = (await session.execute(query.limit(PER_COLUMN))).all()
    figures = await sla_watch.ticket_figures(session, config, [row[0] for row in rows], now)
    cards = [Card(t.id, t.subject or "", org, department, name, now - t.created_at, _stale(t, config, now),
                   t.closed_at, sla_mark(figures.get(t.id, {})), t.priority or "normal",
                   tuple(tag for tag in (t.tags or "").split(",") if tag))
              for t, org, department, name, _ in rows]
    return Column(key, cards, rows[0][-1] if rows else 0)


def sla_mark(found: dict[str, sla.Figure]) -> SlaMark | None:
    """The most pressing target: a missed one first, then one past its warning share; None when all is well."""
    for state in (sla.State.BREACHED, sla.State.WARNING):
        for name, one in found.items():
            if one.state == state:
                return SlaMark(str(state), name, one.due)
    return None


def _filtered(query, filters: Filters):
    if filters.staff_id is not None:
        query = query.where(Ticket.assignee_id == filters.staff_id)
    if filters.department_id is not None:
        # Assigned through the department, or to one of its people (a ticket assigned without one).
        members = select(StaffDepartment.staff_id).where(StaffDepartment.department_id == filters.department_id)
        query = query.where(or_(Ticket.department_id == filters.department_id,
                                Ticket.department_id.is_(None) & Ticket.assignee_id.in_(members)))
    return query


def _stale(ticket: Ticket, config: Config, now: datetime) -> timedelta | None:
    """A new ticket unassigned past nag_every (the dispatcher chat is being reminded of it); work untouched
    past stale_after (its assignee is being nudged). Waiting for the customer is the auto-close's business."""
    if ticket.status == Status.NEW:
        waited = now - ticket.created_at
        return waited if waited >= config.dispatch.nag_every else None
    after = config.dispatch.stale_after
    if ticket.status in (Status.ASSIGNED, Status.IN_PROGRESS) and after is not None:
        quiet = now - ticket.updated_at
        return quiet if quiet >= after else None
    return None
