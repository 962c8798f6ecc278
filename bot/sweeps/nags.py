"""Reminders in the dispatcher chat about tickets nobody has assigned yet.

When a reminder is due lives in the database (`tickets.next_nag_at`, indexed), not
in the scheduler's memory: a restart loses no reminder, and a sweep reads only
what is due. Assigning a ticket changes its status and clears `next_nag_at`, so
an assigned ticket is never reminded of.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render.texts import DIGEST_STYLES, Texts
from deskbot.bot.sweeps.announce import MAX_PER_SWEEP, NAG, NAG_DIGEST, department_buttons
from deskbot.dispatch import outbox, rules
from deskbot.dispatch.cards import ticket_cards, waiting_tickets
from deskbot.dispatch.config import Config
from deskbot.storage.db import after_commit
from deskbot.storage.models import Ticket
from deskbot.telemetry import metrics

# Up to this many tickets due at once get a reminder card each, with buttons;
# more are listed in one reminder of at most NAG_DIGESTS messages (and never more
# than half what the chat can take), the rest counted: reminded, never flooded.
NAG_CARDS = 3
NAG_DIGESTS = 3


async def nag_due_tickets(session: AsyncSession, config: Config, texts: Texts, now: datetime, budget: int) -> int:
    """Queue the reminders that are due, in the caller's transaction; how many tickets were reminded of."""
    chat_id = config.telegram.dispatcher_chat_id
    if not chat_id or budget <= 0:
        return 0  # still due: the next sweep reminds, once the chat has room
    hours = config.nag_hours()
    if hours is not None and not hours.is_open(now):
        return 0  # the desk is closed: what is due is reminded of when it opens
    # Claimed by writing first: the next reminder's time is set before anything is read, so that on
    # SQLite this transaction holds the write lock from here on and an assignment committed a moment
    # ago is seen (a read first would start from the moment before it). Those counted in "...and 40
    # more" are reminded of too: all of them are due again together.
    due = sorted(await session.scalars(
        update(Ticket).where(Ticket.id.in_(
            select(Ticket.id).where(Ticket.next_nag_at <= now, Ticket.status == rules.Status.NEW)
            .order_by(Ticket.id).limit(MAX_PER_SWEEP)
            .with_for_update(skip_locked=True, key_share=True)  # PostgreSQL: never twice; see announce_due
        )).values(next_nag_at=rules.next_nag_at(now, config.dispatch.nag_every, hours)).returning(Ticket.id)
        .execution_options(synchronize_session=False)
    ))
    waiting = await waiting_tickets(session, due)
    if not waiting:
        return 0
    # A reminder card may cost two messages: itself, and the previous one losing its buttons.
    reminder = rules.group_for_reminder(
        waiting, now, min(NAG_CARDS, budget // 2), room=min(NAG_DIGESTS, max(1, budget // 2)),
        measure=lambda ticket, style: texts.line_length(ticket, style, with_age=True), styles=len(DIGEST_STYLES))
    after_commit(session, lambda: metrics.NAGS_SENT.inc(len(waiting)))
    if reminder.cards:
        await _cards(session, chat_id, texts, reminder, now)
    else:
        _digests(session, chat_id, texts, reminder, len(waiting), now)
    return len(waiting)


async def _cards(session: AsyncSession, chat_id: int, texts: Texts, reminder: rules.Reminder,
                 now: datetime) -> None:
    numbers = [ticket.number for ticket in reminder.cards]
    details, buttons = await ticket_cards(session, numbers), await department_buttons(session, numbers, texts)
    for number in numbers:
        await outbox.retire_reminder(session, ticket_id=number, chat_id=chat_id, now=now)  # the newest has the buttons
        header = texts.t("nag", age=texts.age(reminder.ages[number]))
        outbox.send_message(session, chat_id=chat_id, text=texts.card(details[number], header=header),
                            purpose=NAG, ticket_id=number, reply_markup=buttons(number), now=now)


def _digests(session: AsyncSession, chat_id: int, texts: Texts, reminder: rules.Reminder, total: int,
             now: datetime) -> None:
    for digest in reminder.digests:
        outbox.send_message(session, chat_id=chat_id, purpose=NAG_DIGEST, now=now,
                            text=texts.digest(digest, total=total, waiting=True, ages=reminder.ages))
