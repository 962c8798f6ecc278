"""New tickets into the dispatcher chat: a card each for a handful, digests for a burst.

A sweep reads the tickets the dispatcher has not been shown (`announced_at IS NULL`,
an indexed column), queues what the chat can take within a minute, and marks
exactly those announced, in the caller's transaction: a ticket is either queued
and marked, or neither. Tickets that do not fit wait for the next sweep.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render import keyboards
from deskbot.bot.limits import TELEGRAM_LIMITS, Limits
from deskbot.bot.render.texts import DIGEST_STYLES, Texts, TicketCard, cut
from deskbot.dispatch import outbox, rules
from deskbot.dispatch.config import Config
from deskbot.dispatch.staff import active_departments
from deskbot.storage.models import Attachment, Customer, Message, Organization, OutboxMessage, Ticket

HORIZON = 60.0  # seconds: after a burst, every ticket must be visible within a minute
EXCERPT_CHARS = 700  # of the first mail: enough to judge the ticket, short enough to read on a phone
MAX_PER_SWEEP = 5000  # a longer backlog is read by the next sweeps, so one sweep stays short
DIGEST, NAG, NAG_DIGEST = "digest", outbox.NAG, "nag-digest"

_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)  # RFC 3676's delimiter
_QUOTE = re.compile(r"^>", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


def messages_per_minute(chat_id: int, limits: Limits = TELEGRAM_LIMITS) -> int:
    """What Telegram lets into the chat within HORIZON: 20 into a group, 60 into a private chat."""
    rates = [limits.per_chat, limits.per_group if chat_id < 0 else None]
    counts = [int(rate.count * HORIZON / rate.period) for rate in rates if rate]
    return min(counts, default=int(HORIZON))


async def chat_budget(session: AsyncSession, chat_id: int, limits: Limits = TELEGRAM_LIMITS) -> int:
    """How many more messages the chat can take within the next minute.

    Every pending row of the chat (whatever its purpose) leaves before anything
    queued now, and within the horizon a sliding window lets exactly its rate
    through, whatever was sent just before: so the rate less what is pending.
    """
    capacity = messages_per_minute(chat_id, limits)
    waiting = select(OutboxMessage.id).where(
        OutboxMessage.status == outbox.PENDING, OutboxMessage.chat_id == chat_id,
        OutboxMessage.channel == outbox.TELEGRAM,
    ).limit(capacity)  # counting stops at the capacity: a long backlog costs no more
    pending = await session.scalar(select(func.count()).select_from(waiting.subquery()))
    return max(0, capacity - (pending or 0))


def plan(waiting: Sequence[rules.WaitingTicket], budget: int, texts: Texts) -> list[rules.Announcement]:
    """Cards for a handful of tickets, digests in the widest lines that list a burst within `budget`."""
    return rules.plan_announcements(waiting, budget, measure=texts.line_length, styles=len(DIGEST_STYLES))


async def announce_due(session: AsyncSession, config: Config, texts: Texts, now: datetime, budget: int) -> int:
    """Queue the announcements of tickets nobody has been shown yet; how many tickets were shown."""
    chat_id = config.telegram.dispatcher_chat_id
    if not chat_id or budget <= 0:
        return 0
    rows = (await session.execute(
        select(Ticket.id, Ticket.status).where(Ticket.announced_at.is_(None))
        .order_by(Ticket.id).limit(MAX_PER_SWEEP)
        # PostgreSQL: two services never announce twice. NO KEY UPDATE: a row that merely refers to the
        # ticket (an outbox row being sent) holds a KEY SHARE lock, which must not hide the ticket.
        .with_for_update(skip_locked=True, key_share=True, of=Ticket)
    )).all()
    # Assigned before anyone saw it (by a rule, or /ticket N): nothing to show, never read again.
    settled = [number for number, status in rows if status != rules.Status.NEW]
    if settled:
        await session.execute(update(Ticket).where(Ticket.id.in_(settled)).values(announced_at=now))
    waiting = await waiting_tickets(session, [number for number, status in rows if status == rules.Status.NEW])
    if len(waiting) > rules.cards_allowed(budget) and rules.burst_landing([t.created_at for t in waiting], now):
        return 0  # a burst still landing: listed by a sweep a moment later, all of it at once
    announcements = plan(waiting, budget, texts)
    cards = [a.card.number for a in announcements if a.card is not None]
    details, buttons = await ticket_cards(session, cards), await department_buttons(session)
    listed = sum(len(a.digest.tickets) for a in announcements if a.digest is not None)
    shown: list[int] = []
    for a in announcements:
        if a.card is not None:
            number = a.card.number
            outbox.send_message(session, chat_id=chat_id, text=texts.card(details[number]), purpose=outbox.CARD,
                                ticket_id=number, reply_markup=buttons(number), now=now)
            shown.append(number)
        else:
            outbox.send_message(session, chat_id=chat_id, text=texts.digest(a.digest, total=listed),
                                purpose=DIGEST, now=now)
            shown += [t.number for t in a.digest.tickets]
    if shown:
        await session.execute(update(Ticket).where(Ticket.id.in_(shown)).values(
            announced_at=now, next_nag_at=rules.next_nag_at(now, config.dispatch.nag_every)))
    return len(shown)


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
               Ticket.follows_id)
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
                           excerpt=excerpt(body or ""), attachments=files.get(number, 0), follows=follows)
        for number, subject, name, email, organization, sender_name, sender_email, body, follows in rows
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


async def department_buttons(session: AsyncSession) -> Callable[[int], InlineKeyboardMarkup | None]:
    """The first buttons a dispatcher taps, for a ticket: the active departments, in config order."""
    choices = await active_departments(session)
    # No departments configured: no buttons rather than an empty keyboard.
    return lambda number: keyboards.departments(number, choices) if choices else None
