"""Stale work: a ticket in work untouched for `dispatch.stale_after` nudges its assignee, once a period.

"Untouched" reads `tickets.updated_at`, which every change, answer, note and customer
reply moves; the nudge itself does not (it is no work), it moves `nudged_at`, so the
next nudge comes a full period later if nothing happens. A ticket waiting for the
customer is not stale: the auto-close looks after it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render.cards import actions
from deskbot.bot.render.texts import Texts, cut
from deskbot.dispatch import outbox
from deskbot.dispatch.config import Config
from deskbot.dispatch.rules import Status
from deskbot.storage.models import Staff, Ticket

NUDGE = "nudge"  # the outbox purpose
MAX_PER_SWEEP = 200


async def nudge_stale(session: AsyncSession, config: Config, texts: Texts, now: datetime) -> int:
    """Queue the nudges due, in the caller's transaction; how many were queued."""
    after = config.dispatch.stale_after
    hours = config.nag_hours()
    if after is None or (hours is not None and not hours.is_open(now)):
        return 0  # off; or the desk is closed: the nudge waits for its opening
    quiet_since = now - after
    rows = (await session.execute(
        select(Ticket, Staff).join(Staff, Staff.id == Ticket.assignee_id)
        .where(Ticket.status.in_([Status.ASSIGNED, Status.IN_PROGRESS]), Ticket.updated_at <= quiet_since,
               or_(Ticket.nudged_at.is_(None), Ticket.nudged_at <= quiet_since), Staff.active.is_(True))
        .order_by(Ticket.id).limit(MAX_PER_SWEEP)
        .with_for_update(skip_locked=True, key_share=True, of=Ticket)  # PostgreSQL: never twice
    )).all()
    for ticket, assignee in rows:
        ticket.nudged_at = now
        card = await outbox.card_message_id(session, ticket_id=ticket.id, chat_id=assignee.telegram_id)
        text = texts.t("stale-nudge", number=ticket.id, age=texts.age(now - ticket.updated_at),
                       subject=cut((ticket.subject or "").strip(), 200))
        outbox.send_message(session, chat_id=assignee.telegram_id, purpose=NUDGE, ticket_id=ticket.id, text=text,
                            now=now, reply_to=card, reply_markup=actions(ticket, assignee, texts))
    return len(rows)
