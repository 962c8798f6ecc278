"""What a person logged in to the web cabinet may see: the one place every cabinet query is scoped.

A customer sees the tickets they opened; the contract's client manager sees the whole
organization's. Anything outside the scope is simply not found (the page answers 404),
so another organization's ticket numbers reveal nothing. Internal notes are never shown.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.rules import Status
from deskbot.storage.models import Contract, Customer, Message, Ticket

PER_PAGE = 25
STATUSES = tuple(status.value for status in Status)
_NUMBER = re.compile(r"#?(\d{1,9})")


@dataclass(frozen=True)
class Viewer:
    customer_id: int
    email: str
    name: str
    organization_id: int | None
    whole_organization: bool  # the contract's client manager


async def viewer(session: AsyncSession, customer_id: int) -> Viewer | None:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return None
    manager = None
    if customer.organization_id is not None:
        manager = await session.scalar(select(Contract.client_manager)
                                       .where(Contract.organization_id == customer.organization_id))
    return Viewer(customer.id, customer.email, customer.name, customer.organization_id,
                  whole_organization=bool(manager) and manager == customer.email)


def scope(who: Viewer) -> ColumnElement[bool]:
    """The tickets `who` may see."""
    if who.whole_organization and who.organization_id is not None:
        return or_(Ticket.organization_id == who.organization_id, Ticket.customer_id == who.customer_id)
    return Ticket.customer_id == who.customer_id


@dataclass(frozen=True)
class TicketLine:
    number: int
    subject: str
    status: str
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None
    minutes: int | None


@dataclass(frozen=True)
class TicketPage:
    lines: list[TicketLine]
    total: int
    page: int
    pages: int


def _filters(who: Viewer, status: str, text: str) -> list[ColumnElement[bool]]:
    where = [scope(who)]
    if status in STATUSES:
        where.append(Ticket.status == status)
    text = text.strip()[:200]
    if text:
        number = _NUMBER.fullmatch(text)
        by_subject = func.lower(Ticket.subject).contains(text.lower(), autoescape=True)
        where.append(or_(Ticket.id == int(number.group(1)), by_subject) if number else by_subject)
    return where


async def tickets(session: AsyncSession, who: Viewer, *, status: str = "", text: str = "", page: int = 1,
                  per_page: int = PER_PAGE) -> TicketPage:
    """Newest first; `status` one of STATUSES (anything else: all), `text` a number (#12 or 12) or words
    of the subject."""
    where = and_(*_filters(who, status, text))
    total = await session.scalar(select(func.count()).select_from(Ticket).where(where)) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    rows = await session.execute(
        select(Ticket.id, Ticket.subject, Ticket.status, Customer.name, Customer.email, Ticket.created_at,
               Ticket.closed_at, Ticket.time_spent_minutes)
        .outerjoin(Customer, Customer.id == Ticket.customer_id).where(where)
        .order_by(Ticket.id.desc()).limit(per_page).offset((page - 1) * per_page))
    lines = [TicketLine(number, subject or "", status_, name or email or "", created, closed, minutes)
             for number, subject, status_, name, email, created, closed, minutes in rows]
    return TicketPage(lines, total, page, pages)


@dataclass(frozen=True)
class Said:
    """One message of the conversation as the customer sees it."""

    ours: bool  # written by the desk
    who: str
    at: datetime
    body: str


@dataclass(frozen=True)
class TicketView:
    line: TicketLine
    conversation: list[Said]


async def ticket(session: AsyncSession, who: Viewer, number: int) -> TicketView | None:
    """The ticket and its conversation, or None when `who` may not see it (or it does not exist)."""
    found = await session.execute(
        select(Ticket.id, Ticket.subject, Ticket.status, Customer.name, Customer.email, Ticket.created_at,
               Ticket.closed_at, Ticket.time_spent_minutes)
        .outerjoin(Customer, Customer.id == Ticket.customer_id).where(Ticket.id == number, scope(who)))
    row = found.first()
    if row is None:
        return None
    n, subject, status, name, email, created, closed, minutes = row
    line = TicketLine(n, subject or "", status, name or email or "", created, closed, minutes)
    # Notes stay inside the team; mail that robots sent to the ticket (bounces) is no part of the talk.
    messages = await session.execute(
        select(Message.direction, Message.sender_name, Message.sender_email, Message.created_at, Message.body)
        .where(Message.ticket_id == number,
               or_(Message.direction == "out", and_(Message.direction == "in", Message.auto.is_(None))))
        .order_by(Message.id))
    said = [Said(direction == "out", sender or address or "", at, body or "")
            for direction, sender, address, at, body in messages]
    return TicketView(line, said)
