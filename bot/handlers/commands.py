"""Commands: /start, /my (my open tickets), /queue (waiting for assignment), /ticket N and /ticket_N.

Strangers get their Telegram id from /start and a short refusal from the rest. Lists
fit one message: what does not fit is counted ("…and 40 more"), and every line links
its ticket as /ticket_N, which opens the ticket as a card, followed by its conversation
(`render/conversation.py`).
"""
from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, must_be_staff
from deskbot.bot.notify import Notifier
from deskbot.bot.render import conversation
from deskbot.bot.render.texts import DIGEST_SUBJECT_CHARS, Safe, Texts, cut, visible_length
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.dispatch.conversation import entries
from deskbot.dispatch.rules import DIGEST_CHARS, Status, WaitingTicket
from deskbot.storage.models import Customer, Staff, Ticket

# Ticket numbers are database integers: nine digits always fit, and a longer one is no ticket.
_NUMBER = re.compile(r"#?(\d{1,9})")
_LISTED = 300  # more lines than one message can hold


def router() -> Router:
    r = Router(name=__name__)
    r.message.register(start, CommandStart())
    r.message.register(my_tickets, Command("my"))
    r.message.register(queue, Command("queue"))
    r.message.register(show_ticket, Command("ticket"))
    r.message.register(show_ticket, Command(re.compile(r"ticket_(\d+)$")))
    return r


async def start(message: Message, staff: Staff | None, texts: Texts, replies: Replies) -> None:
    if staff is None:
        replies.answer(message, texts.t("start-stranger", id=message.from_user.id))
    else:
        replies.answer(message, texts.t("start-staff", name=staff.name))


async def my_tickets(message: Message, session: AsyncSession, staff: Staff | None, texts: Texts,
                     replies: Replies) -> None:
    mine = (Ticket.assignee_id == must_be_staff(staff).id) & Ticket.status.in_([Status.ASSIGNED, Status.IN_PROGRESS])
    total = await session.scalar(select(func.count()).select_from(Ticket).where(mine))
    if not total:
        replies.answer(message, texts.t("my-empty"))
        return
    rows = await session.execute(select(Ticket.id, Ticket.subject, Ticket.status).where(mine)
                                 .order_by(Ticket.id).limit(_LISTED))
    lines = [texts.t("my-line", number=number, subject=_subject(subject, texts),
                     status=texts.plain(f"status-{status}")) for number, subject, status in rows]
    replies.answer(message, _listing(texts.t("my-header", count=total), lines, total, texts))


async def queue(message: Message, session: AsyncSession, staff: Staff | None, clock: Clock, texts: Texts,
                replies: Replies) -> None:
    must_be_staff(staff)
    waiting = Ticket.status == Status.NEW
    total = await session.scalar(select(func.count()).select_from(Ticket).where(waiting))
    if not total:
        replies.answer(message, texts.t("queue-empty"))
        return
    rows = await session.execute(
        select(Ticket.id, Ticket.subject, Ticket.created_at, Customer.name, Customer.email)
        .outerjoin(Customer, Ticket.customer_id == Customer.id).where(waiting).order_by(Ticket.id).limit(_LISTED))
    now = clock.now()
    lines = [texts.digest_line(WaitingTicket(number, subject or "", name or email or "", created), now - created)
             for number, subject, created, name, email in rows]
    replies.answer(message, _listing(texts.t("digest-waiting", count=total), lines, total, texts))


async def show_ticket(message: Message, command: CommandObject, session: AsyncSession, staff: Staff | None,
                      config: Config, notify: Notifier, texts: Texts, replies: Replies) -> None:
    viewer = must_be_staff(staff)
    typed = command.regexp_match.group(1) if command.regexp_match else (command.args or "").strip()
    number = _NUMBER.fullmatch(typed)
    if number is None:
        replies.answer(message, texts.t("ticket-usage"))
        return
    ticket = await session.get(Ticket, int(number.group(1)))
    if ticket is None:
        replies.answer(message, texts.t("ticket-not-found", number=int(number.group(1))))
        return
    # Both are about the ticket: a reply to either acts on it (`handlers/about.py`).
    replies.answer(message, *await notify.view(session, ticket, viewer, message.chat), ticket=ticket.id)
    # Then the whole conversation, on its latest page.
    if conversation.may_show(message.chat.id, message.chat.type, config.telegram.dispatcher_chat_id):
        shown = await entries(session, ticket.id)
        replies.answer(message, *conversation.page(ticket.id, shown, None, texts, notify.zone), ticket=ticket.id)


def _subject(subject: str | None, texts: Texts) -> str:
    return cut((subject or "").strip(), DIGEST_SUBJECT_CHARS) or texts.plain("card-no-subject")


def _listing(header: Safe, lines: list[Safe], total: int, texts: Texts) -> Safe:
    """The header and as many lines as one message holds; the rest counted in the last line."""
    room, kept = DIGEST_CHARS - visible_length(header), []
    for line in lines:
        room -= visible_length(line) + 1
        if room < 0:
            break
        kept.append(line)
    if total > len(kept):
        kept.append(texts.t("list-more", count=total - len(kept)))
    return Safe("\n".join([header, *kept]))
