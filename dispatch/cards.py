"""What a ticket's card shows, read from the database: the first mail, and what happened to the ticket.

The bot draws cards from these (`bot/render/cards.py`) and never reads the tables itself, so any
card can be redrawn from the database at any time, and an announced card and its redraws show the
mail the same way.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.catalog.words import cut
from deskbot.dispatch import outbox, rules
from deskbot.dispatch.rules import Status
from deskbot.storage.models import (
    Attachment, Customer, Department, Message, Organization, OutboxMessage, OutboxStatus, RuleFiring, Staff, Ticket,
    TicketEvent,
)

EXCERPT_CHARS = 700  # of the first mail: enough to judge the ticket, short enough to read on a phone

_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)  # RFC 3676's delimiter
_QUOTE = re.compile(r"^>", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class TicketCard:
    number: int
    subject: str
    customer_name: str
    customer_address: str
    organization: str | None
    excerpt: str  # clean text: quoted history and signatures already trimmed
    attachments: int
    follows: int | None = None  # the closed ticket this one continues
    priority: str = "normal"
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class History:
    """What happened to a ticket, as its card lists it under the mail; people by name."""

    status: str
    assignee: str | None = None
    assigned_by: str | None = None
    assigned_at: datetime | None = None
    taken_at: datetime | None = None
    waiting_since: datetime | None = None
    closed_by: str | None = None  # "?" for someone no longer known; None when it closed by itself
    no_charge: bool = False
    time_spent_minutes: int = 0
    assigned_how: str | None = None  # round_robin | least_loaded: the department chose the assignee
    assigned_by_rule: str | None = None  # the routing rule that assigned it, while that stands
    rules: tuple[RuleLine, ...] = ()  # what routing rules did to it besides assigning, oldest first


@dataclass(frozen=True, slots=True)
class RuleLine:
    """A routing rule's firing as the card tells it: the rule, why, and what it set."""

    rule: str
    reasons: tuple[tuple[str, str], ...]
    department: str | None = None  # its name
    priority: str | None = None
    tags: tuple[str, ...] = ()


async def card_of(session: AsyncSession, ticket: Ticket) -> tuple[TicketCard, History]:
    """The ticket's mail, exactly as the announced card shows it, and its history."""
    return await mail_of(session, ticket), await history(session, ticket)


async def mail_of(session: AsyncSession, ticket: Ticket) -> TicketCard:
    return (await ticket_cards(session, [ticket.id]))[ticket.id]


async def history(session: AsyncSession, ticket: Ticket) -> History:
    closed_by = None
    if ticket.status == Status.CLOSED:
        closer = await session.scalar(
            select(TicketEvent.staff_id).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "closed")
            .order_by(TicketEvent.id.desc()).limit(1))
        if closer is not None:  # None: nobody pressed Close, the customer stayed silent
            closed_by = await name_of(session, closer) or "?"
    return History(status=ticket.status, assignee=await name_of(session, ticket.assignee_id),
                   assigned_by=await name_of(session, ticket.assigned_by_id), assigned_at=ticket.assigned_at,
                   taken_at=ticket.taken_at, waiting_since=ticket.waiting_since, closed_by=closed_by,
                   no_charge=bool(ticket.no_charge), time_spent_minutes=ticket.time_spent_minutes or 0,
                   assigned_how=ticket.assigned_how, assigned_by_rule=ticket.assigned_by_rule,
                   rules=await rule_lines(session, ticket.id))


async def rule_lines(session: AsyncSession, number: int) -> tuple[RuleLine, ...]:
    """The routing rules that set the ticket's department, priority or tags (an assignment has its own line)."""
    lines = []
    names: dict[str, str] | None = None
    for rule, reasons, effects in await session.execute(
            select(RuleFiring.rule, RuleFiring.reasons, RuleFiring.effects)
            .where(RuleFiring.ticket_id == number).order_by(RuleFiring.id)):
        did = json.loads(effects)
        if not (did.get("department") or did.get("priority") or did.get("tags")):
            continue
        if did.get("department") and names is None:
            names = dict((await session.execute(select(Department.key, Department.name))).all())
        lines.append(RuleLine(rule, tuple((c, v) for c, v in json.loads(reasons)),
                              department=(names or {}).get(did.get("department"), did.get("department")),
                              priority=did.get("priority"), tags=tuple(did.get("tags") or ())))
    return tuple(lines)


async def name_of(session: AsyncSession, staff_id: int | None) -> str | None:
    staff = await session.get(Staff, staff_id) if staff_id is not None else None
    return staff.name if staff else None


async def card_on_its_way(session: AsyncSession, ticket_id: int, chat_id: int) -> bool:
    """Whether the ticket's card for `chat_id` still waits in the outbox (an edit queued now follows it)."""
    return await session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.ticket_id == ticket_id, OutboxMessage.chat_id == chat_id,
        OutboxMessage.purpose == outbox.CARD, OutboxMessage.method == "sendMessage",
        OutboxMessage.status == OutboxStatus.PENDING)) > 0


async def waiting_tickets(session: AsyncSession, numbers: Sequence[int]) -> list[rules.WaitingTicket]:
    """The tickets as digests list them, in the order given."""
    if not numbers:
        return []
    rows = await session.execute(
        select(Ticket.id, Ticket.subject, Ticket.created_at, Customer.name, Customer.email)
        .outerjoin(Customer, Ticket.customer_id == Customer.id).where(Ticket.id.in_(numbers))
    )
    found = {number: rules.WaitingTicket(number, subject or "", (name or "").strip() or email or "", created)
             for number, subject, created, name, email in rows}
    return [found[number] for number in numbers if number in found]


async def ticket_cards(session: AsyncSession, numbers: Sequence[int]) -> dict[int, TicketCard]:
    """What a card shows of each ticket: the customer, the organization, the first mail's text."""
    if not numbers:
        return {}
    first = (select(Message.ticket_id, func.min(Message.id).label("id"))
             .where(Message.ticket_id.in_(numbers)).group_by(Message.ticket_id).subquery())
    rows = await session.execute(
        select(Ticket.id, Ticket.subject, Customer.name, Customer.email, Organization.name,
               Message.sender_name, Message.sender_email, func.substr(Message.body, 1, EXCERPT_CHARS + 1),
               Ticket.follows_id, Ticket.priority, Ticket.tags)
        .outerjoin(Customer, Ticket.customer_id == Customer.id)
        .outerjoin(Organization, Ticket.organization_id == Organization.id)
        .outerjoin(first, first.c.ticket_id == Ticket.id)
        .outerjoin(Message, Message.id == first.c.id)
        .where(Ticket.id.in_(numbers))
    )
    files = dict((await session.execute(
        select(Message.ticket_id, func.count(Attachment.id))
        .join(Attachment, Attachment.message_id == Message.id)
        .where(Message.ticket_id.in_(numbers), Attachment.inline.is_(False))
        .group_by(Message.ticket_id)
    )).all())
    return {
        number: TicketCard(number=number, subject=subject or "", customer_name=name or sender_name or "",
                           customer_address=email or sender_email or "", organization=organization,
                           excerpt=excerpt(body or ""), attachments=files.get(number, 0), follows=follows,
                           priority=priority or "normal", tags=tuple(t for t in (tags or "").split(",") if t))
        for number, subject, name, email, organization, sender_name, sender_email, body, follows, priority, tags in rows
    }


def excerpt(body: str) -> str:
    """The start of the mail without its signature and quoted history, cut to EXCERPT_CHARS.

    When nothing would be left (a mail that opens with a quote), the text stays whole.
    """
    text = body
    signature = _SIGNATURE.search(text)
    if signature:
        text = text[:signature.start()]
    quote = _QUOTE.search(text)
    if quote:
        text = text[:quote.start()].rstrip()
        # "On Monday, Anna wrote:" introduces the quote and goes with it.
        last_line = text.rfind("\n") + 1
        if text[last_line:].endswith(":"):
            text = text[:last_line]
    text = _BLANK_LINES.sub("\n\n", text.strip() or body.strip())
    return cut(text, EXCERPT_CHARS)
