"""What a person logged in to the web cabinet may see: the one place every cabinet query is scoped.

A customer sees the tickets they opened; the contract's client manager sees the whole
organization's. Anything outside the scope is simply not found (the page answers 404),
so another organization's ticket numbers reveal nothing. Internal notes are never shown.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch import ticket_search
from deskbot.dispatch.rules import Status
from deskbot.storage.models import Attachment, Contract, Customer, Message, Organization, Report, TariffRequest, Ticket

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
    sees_contract: bool = False  # its reports and figures: see contract_of


async def viewer(session: AsyncSession, customer_id: int) -> Viewer | None:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return None
    contract = None
    if customer.organization_id is not None:
        contract = await session.scalar(select(Contract).where(Contract.organization_id == customer.organization_id))
    manager = contract.client_manager if contract is not None else None
    return Viewer(customer.id, customer.email, customer.name, customer.organization_id,
                  whole_organization=bool(manager) and manager == customer.email,
                  sees_contract=contract is not None and _reads(contract, customer.email))


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
    # The customer sees the priority (how the desk ranks their request) but never the tags: those are the
    # desk's internal labels ("vip", "angry", "after-hours"), set by rules and people for the staff's eyes.
    priority: str = "normal"


@dataclass(frozen=True)
class TicketPage:
    lines: list[TicketLine]
    total: int
    page: int
    pages: int
    searched: int | None = None  # short text: looked for in this many newest tickets only (ticket_search.SHORT_SCAN)
    more_than: int | None = None  # more tickets match the text: the newest this many are listed (ticket_search.MATCHES)


PERIODS = ("this-month", "last-month", "last-3-months", "this-year")


@dataclass(frozen=True)
class Period:
    """Tickets opened in [since, until), UTC; None: no bound."""

    since: datetime | None = None
    until: datetime | None = None


def period(name: str, first: date | None, last: date | None, now: datetime, zone: str) -> Period:
    """The desk's calendar (dispatch.timezone): dates `first`..`last` (both days included) when either is
    given, else a preset of PERIODS: this month, last month, the last three months (this one and the two
    before, from the 1st), this year. Anything else: any time."""
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()

    def at(day: date | None) -> datetime | None:
        return datetime.combine(day, time(), tz).astimezone(timezone.utc) if day is not None else None

    if first is not None or last is not None:
        return Period(at(first), at(last + timedelta(days=1)) if last is not None else None)
    month = today.replace(day=1)
    if name == "this-month":
        return Period(at(month))
    if name == "last-month":
        return Period(at((month - timedelta(days=1)).replace(day=1)), at(month))
    if name == "last-3-months":
        back = month.month - 3
        return Period(at(month.replace(year=month.year + back // 12, month=back % 12 + 1)))
    if name == "this-year":
        return Period(at(month.replace(month=1)))
    return Period()


async def _listed(session: AsyncSession, who: Viewer) -> ColumnElement[bool]:
    """scope(who) in a form whose index the database walks in order: a client manager's own tickets outside
    the organization (opened before they joined it: rare and few) are named by number, since an OR of
    two columns makes the database gather and sort the whole organization for every page."""
    if not (who.whole_organization and who.organization_id is not None):
        return scope(who)
    strays = list(await session.scalars(select(Ticket.id).where(
        Ticket.customer_id == who.customer_id,
        or_(Ticket.organization_id.is_(None), Ticket.organization_id != who.organization_id))))
    in_organization = Ticket.organization_id == who.organization_id
    return or_(in_organization, Ticket.id.in_(strays)) if strays else in_organization


def _filters(status: str, opened: Period) -> list[ColumnElement[bool]]:
    where = []
    if opened.since is not None:
        where.append(Ticket.created_at >= opened.since)
    if opened.until is not None:
        where.append(Ticket.created_at < opened.until)
    if status in STATUSES:
        where.append(Ticket.status == status)
    return where


async def tickets(session: AsyncSession, who: Viewer, *, status: str = "", text: str = "", page: int = 1,
                  per_page: int = PER_PAGE, opened: Period = Period()) -> TicketPage:
    """Newest first; `status` one of STATUSES (anything else: all), `text` a number (#12 or 12) or a part of
    the subject in any case (dispatch/ticket_search.py), `opened` when the tickets were opened (see `period`)."""
    page, text = max(page, 1), text.replace("\x00", "").strip()[:200]  # no subject holds NUL; the index refuses it
    where = and_(await _listed(session, who), *_filters(status, opened))
    as_number = _NUMBER.fullmatch(text)
    number = int(as_number.group(1)) if as_number else None
    if text:
        organization = who.organization_id if who.whole_organization else None
        found = await ticket_search.find(session, where, text, number, organization, who.customer_id)
        total, pages = len(found.numbers), max(1, math.ceil(len(found.numbers) / per_page))
        page = min(page, pages)
        numbers = found.numbers[(page - 1) * per_page:page * per_page]
        return TicketPage(await _lines(session, numbers), total, page, pages, found.scanned, found.more_than)
    total = await session.scalar(select(func.count()).select_from(Ticket).where(where)) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(page, pages)
    skip = (page - 1) * per_page  # a deep page skips index entries, not joined rows
    take = min(per_page, total - skip)
    if total - skip - take < skip:  # nearer the oldest end: the index is walked from there
        numbers = list(await session.scalars(select(Ticket.id).where(where).order_by(Ticket.id)
                                             .limit(take).offset(total - skip - take)))
    else:
        numbers = list(await session.scalars(select(Ticket.id).where(where).order_by(Ticket.id.desc())
                                             .limit(per_page).offset(skip)))
    return TicketPage(await _lines(session, numbers), total, page, pages)


async def _lines(session: AsyncSession, numbers: list[int]) -> list[TicketLine]:
    rows = await session.execute(
        select(Ticket.id, Ticket.subject, Ticket.status, Customer.name, Customer.email, Ticket.created_at,
               Ticket.closed_at, Ticket.time_spent_minutes, Ticket.priority)
        .outerjoin(Customer, Customer.id == Ticket.customer_id).where(Ticket.id.in_(numbers))
        .order_by(Ticket.id.desc()))
    return [TicketLine(number, subject or "", status_, name or email or "", created, closed, minutes, priority)
            for number, subject, status_, name, email, created, closed, minutes, priority in rows]


@dataclass(frozen=True)
class Said:
    """One message of the conversation as the customer sees it."""

    ours: bool  # written by the desk
    who: str
    at: datetime
    body: str
    files: tuple[FileLine, ...] = ()


@dataclass(frozen=True)
class FileLine:
    """An attachment of a message the customer sees; `kept`: its bytes are stored, so it can be downloaded."""

    id: int
    name: str
    size: int
    kept: bool
    content_type: str


@dataclass(frozen=True)
class TicketView:
    line: TicketLine
    conversation: list[Said]


async def ticket(session: AsyncSession, who: Viewer, number: int) -> TicketView | None:
    """The ticket and its conversation, or None when `who` may not see it (or it does not exist)."""
    found = await session.execute(
        select(Ticket.id, Ticket.subject, Ticket.status, Customer.name, Customer.email, Ticket.created_at,
               Ticket.closed_at, Ticket.time_spent_minutes, Ticket.priority)
        .outerjoin(Customer, Customer.id == Ticket.customer_id).where(Ticket.id == number, scope(who)))
    row = found.first()
    if row is None:
        return None
    n, subject, status, name, email, created, closed, minutes, priority = row
    line = TicketLine(n, subject or "", status, name or email or "", created, closed, minutes, priority)
    messages = await session.execute(
        select(Message.id, Message.direction, Message.sender_name, Message.sender_email, Message.created_at,
               Message.body).where(Message.ticket_id == number, _shown()).order_by(Message.id))
    files: dict[int, list[FileLine]] = {}
    for message_id, file_id, name, size, path, content_type in await session.execute(
            select(Attachment.message_id, Attachment.id, Attachment.filename, Attachment.size, Attachment.stored_path,
                   Attachment.content_type)
            .join(Message, Message.id == Attachment.message_id)
            .where(Message.ticket_id == number, _shown()).order_by(Attachment.id)):
        files.setdefault(message_id, []).append(FileLine(file_id, name, size, path is not None,
                                                         content_type.lower().strip()))
    said = [Said(direction == "out", sender or address or "", at, body or "", tuple(files.get(message_id, ())))
            for message_id, direction, sender, address, at, body in messages]
    return TicketView(line, said)


def _shown() -> ColumnElement[bool]:
    """The messages of a ticket its customer sees: notes stay inside the team, and mail that robots sent
    to the ticket (bounces) is no part of the talk."""
    return or_(Message.direction == "out", and_(Message.direction == "in", Message.auto.is_(None)))


@dataclass(frozen=True)
class StoredFile:
    name: str
    content_type: str
    size: int
    path: str  # relative to mailbox.attachments_dir


async def attachment(session: AsyncSession, who: Viewer, number: int, attachment_id: int) -> StoredFile | None:
    """A kept attachment of a message of ticket `number` that `who` sees in its conversation; None for
    anything else (another ticket's, another organization's, an internal note's, one never stored)."""
    found = (await session.execute(
        select(Attachment.filename, Attachment.content_type, Attachment.size, Attachment.stored_path)
        .join(Message, Message.id == Attachment.message_id).join(Ticket, Ticket.id == Message.ticket_id)
        .where(Attachment.id == attachment_id, Ticket.id == number, scope(who), _shown(),
               Attachment.stored_path.is_not(None)))).first()
    return StoredFile(*found) if found is not None else None


# -- the contract: reports, finance, tariff requests ---------------------------------------------
# Money is for those the organization named: its client manager and the reports' recipients
# (the addresses the reports are e-mailed to anyway). Anyone else of the organization gets 404.


async def contract_of(session: AsyncSession, who: Viewer) -> Contract | None:
    """The viewer's organization's contract when `who` may see its money, else None."""
    if who.organization_id is None:
        return None
    contract = await session.scalar(select(Contract).where(Contract.organization_id == who.organization_id))
    if contract is None:
        return None
    return contract if _reads(contract, who.email) else None


def _reads(contract: Contract, email: str) -> bool:
    readers = {address.strip().lower() for address in contract.recipients.split(",") if address.strip()}
    if contract.client_manager:
        readers.add(contract.client_manager.lower())
    return email.lower() in readers


@dataclass(frozen=True)
class ReportLine:
    id: int
    month: str
    tickets: int
    used_minutes: int
    total_due: str
    sent_at: datetime | None


async def reports(session: AsyncSession, who: Viewer) -> list[ReportLine] | None:
    """The organization's sent reports, newest month first; None when `who` may not see them."""
    if await contract_of(session, who) is None:
        return None
    rows = await session.execute(
        select(Report.id, Report.month, Report.tickets, Report.used_minutes, Report.total_due, Report.decided_at)
        .where(Report.organization_id == who.organization_id, Report.status == "sent")
        .order_by(Report.month.desc(), Report.id.desc()))
    return [ReportLine(*row) for row in rows]


async def report_pdf(session: AsyncSession, who: Viewer, report_id: int) -> tuple[str, bytes] | None:
    """(file name, PDF) of a sent report of the viewer's organization; None for anything else."""
    if await contract_of(session, who) is None:
        return None
    found = (await session.execute(
        select(Report.month, Report.pdf, Organization.domain).join(Organization, Organization.id == Report.organization_id)
        .where(Report.id == report_id, Report.organization_id == who.organization_id, Report.status == "sent"))).first()
    if found is None:
        return None
    month, pdf, domain = found
    return f"report-{domain}-{month}.pdf", pdf


async def tariff_requests(session: AsyncSession, who: Viewer) -> list[TariffRequest]:
    """The organization's tariff change requests, newest first (only for those who see the contract)."""
    if await contract_of(session, who) is None:
        return []
    return list(await session.scalars(select(TariffRequest).where(TariffRequest.organization_id == who.organization_id)
                                      .order_by(TariffRequest.id.desc()).limit(50)))
