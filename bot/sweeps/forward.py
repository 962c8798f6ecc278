"""Customer replies reach the assignee: each new message on an assigned ticket, in Telegram.

A sweep over inbound mail not yet looked at (`messages.forwarded_at IS NULL`, an
indexed column): a reply on a ticket in work is sent to its assignee privately, as a
reply to the ticket's card there, trimmed of the quoted history and the signature, with
an Answer button. A ticket's first mail is its card's business, automatic mail stays on
the ticket unannounced, and a reply to a waiting ticket shows on its card (the
dispatcher's nags). A reply that reopened a closed ticket says so. Each message is
looked at once, in the transaction that queues it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.notify import Notifier
from deskbot.bot.render import keyboards
from deskbot.bot.render.texts import Texts, cut
from deskbot.dispatch import outbox
from deskbot.dispatch.cards import excerpt
from deskbot.dispatch.rules import Status
from deskbot.dispatch.tickets import Done
from deskbot.storage.models import Message, Staff, Ticket, TicketEvent

FORWARD = "reply"  # the outbox purpose
MAX_PER_SWEEP = 500
_IN_WORK = (Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING)


async def forward_replies(session: AsyncSession, texts: Texts, now: datetime, notify: Notifier | None = None) -> int:
    """Queue the new customer replies for their assignees, in the caller's transaction; how many were queued.

    `notify`: redraws the cards of a reopened ticket, so that they show it open, with its buttons.
    """
    rows = (await session.execute(
        select(Message.id, Message.ticket_id, Message.sender_name, Message.sender_email, Message.body,
               Message.auto, Message.created_at, Ticket.status, Ticket.subject, Staff.telegram_id)
        .join(Ticket, Ticket.id == Message.ticket_id).outerjoin(Staff, Staff.id == Ticket.assignee_id)
        .where(Message.forwarded_at.is_(None), Message.direction == "in")
        .order_by(Message.id).limit(MAX_PER_SWEEP)
        .with_for_update(skip_locked=True, key_share=True, of=Message)  # PostgreSQL: never twice
    )).all()
    if not rows:
        return 0
    numbers = {row.ticket_id for row in rows}
    firsts = set(await session.scalars(
        select(func.min(Message.id)).where(Message.ticket_id.in_(numbers), Message.direction == "in")
        .group_by(Message.ticket_id)))
    since = min(row.created_at for row in rows)
    reopened = set(await session.scalars(select(TicketEvent.ticket_id).where(
        TicketEvent.ticket_id.in_(numbers), TicketEvent.kind == "reopened", TicketEvent.at >= since)))
    queued = 0
    for row in rows:
        if row.id in firsts or row.auto or row.telegram_id is None or row.status not in _IN_WORK:
            continue
        card = await outbox.card_message_id(session, ticket_id=row.ticket_id, chat_id=row.telegram_id)
        key = "customer-reopened" if row.ticket_id in reopened else "customer-replied"
        if row.ticket_id in reopened and notify is not None:
            reopened.discard(row.ticket_id)  # its later replies in this sweep are plain replies
            ticket = await session.get(Ticket, row.ticket_id)
            await notify.taken(session, Done(ticket, None, await session.get(Staff, ticket.assignee_id)), now,
                               shown=None)
        text = texts.t(key, number=row.ticket_id, who=cut(row.sender_name or row.sender_email, 100),
                       subject=cut((row.subject or "").strip(), 200), excerpt=excerpt(row.body or "") or "—")
        outbox.send_message(session, chat_id=row.telegram_id, text=text, purpose=FORWARD, ticket_id=row.ticket_id,
                            now=now, reply_markup=keyboards.answer_button(row.ticket_id, texts), reply_to=card)
        queued += 1
    await session.execute(update(Message).where(Message.id.in_([row.id for row in rows])).values(forwarded_at=now))
    return queued
