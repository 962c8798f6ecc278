"""Read-side queries used by the CLI (and later the bot)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.storage.models import (
    Customer, Department, Message, Organization, QuarantineItem, RawMail, Staff, Ticket,
)


@dataclass(frozen=True, slots=True)
class TicketRow:
    number: int
    subject: str
    status: str
    customer_email: str | None
    organization: str | None
    department: str | None
    assignee: str | None
    created_at: datetime
    assigned_at: datetime | None
    closed_at: datetime | None
    time_spent_minutes: int | None
    message_count: int
    priority: str = "normal"
    tags: tuple[str, ...] = ()  # the desk's own labels (routing rules)

    def as_json(self) -> dict:
        data = asdict(self)
        data["tags"] = list(self.tags)
        for key in ("created_at", "assigned_at", "closed_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


async def list_tickets(session: AsyncSession, status: str | None = None) -> list[TicketRow]:
    counts = (
        select(Message.ticket_id, func.count().label("n")).group_by(Message.ticket_id).subquery()
    )
    query = (
        select(
            Ticket.id, Ticket.subject, Ticket.status, Customer.email, Organization.name, Department.name,
            Staff.name, Ticket.created_at, Ticket.assigned_at, Ticket.closed_at, Ticket.time_spent_minutes,
            func.coalesce(counts.c.n, 0), Ticket.priority, Ticket.tags,
        )
        .outerjoin(Customer, Ticket.customer_id == Customer.id)
        .outerjoin(Organization, Ticket.organization_id == Organization.id)
        .outerjoin(Department, Ticket.department_id == Department.id)
        .outerjoin(Staff, Ticket.assignee_id == Staff.id)
        .outerjoin(counts, counts.c.ticket_id == Ticket.id)
        .order_by(Ticket.id)
    )
    if status:
        query = query.where(Ticket.status == status)
    return [TicketRow(*row[:-1], tuple(tag for tag in (row[-1] or "").split(",") if tag))
            for row in await session.execute(query)]


@dataclass(frozen=True, slots=True)
class QuarantineRow:
    id: int
    uid: int
    folder: str
    message_key: str
    size: int
    received_at: datetime
    reason: str | None
    head: bytes  # the start of the raw message, enough for its headers
    kind: str | None  # person | machine
    fate: str | None  # open | released | dismissed
    ticket: int | None  # released as this ticket
    decided_by: str | None  # None with a decision: from the command line
    decided_at: datetime | None
    mailbox: str = ""  # "user@host", or "pipe" for mail handed in by the MTA (whose uid is a nanosecond time)


async def list_quarantine(session: AsyncSession) -> list[QuarantineRow]:
    query = (
        select(RawMail.id, RawMail.uid, RawMail.folder, RawMail.message_key, RawMail.size,
               RawMail.received_at, RawMail.reason, func.substr(RawMail.content, 1, 16384),
               QuarantineItem.kind, QuarantineItem.status, QuarantineItem.ticket_id, Staff.name,
               QuarantineItem.decided_at, RawMail.mailbox)
        .outerjoin(QuarantineItem, QuarantineItem.raw_id == RawMail.id)
        .outerjoin(Staff, Staff.id == QuarantineItem.decided_by_id)
        .where(RawMail.outcome == "quarantine")
        .order_by(RawMail.id)
    )
    return [QuarantineRow(*row) for row in await session.execute(query)]
