"""Automatic assignments the bot did not make itself: the assignee told, and take_within passed on.

A ticket the department assigned outside a tap (the web form's request type, a routing rule) is
marked `tell_assignee_at`; this sweep sends its assignee the card a tap would have sent and shows
the dispatcher chat who got it and why. A ticket whose automatic assignee has not pressed Take by
`take_by` goes to the next available person, or back to the dispatcher (dispatch/assignment.py).
Both read indexed columns and claim rows with SKIP LOCKED: two services never act twice.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.notify import Notifier
from deskbot.dispatch import assignment, rules
from deskbot.dispatch.config import Config
from deskbot.dispatch.tickets import Done
from deskbot.storage.models import Staff, Ticket
from deskbot.telemetry.context import about

log = logging.getLogger("deskbot.assignment")

MAX_PER_SWEEP = 200


async def tell_assigned(session: AsyncSession, notify: Notifier, now: datetime, room: int) -> int:
    """Queue the cards of tickets assigned automatically elsewhere, in the caller's transaction; how many.

    The assignee always gets theirs (a private chat has room); the dispatcher chat gets a new card for
    at most `room` tickets that have none yet (its budget: in a burst of tickets that rules assigned,
    the chat is not flooded; they show on the staff board and with /ticket N)."""
    due = list(await session.scalars(
        select(Ticket).where(Ticket.tell_assignee_at <= now).order_by(Ticket.id).limit(MAX_PER_SWEEP)
        .with_for_update(skip_locked=True, key_share=True, of=Ticket)))
    told = 0
    for ticket in due:
        ticket.tell_assignee_at = None
        if ticket.status not in rules.OPEN or ticket.assignee_id is None:
            continue  # taken back or closed meanwhile: the card of that change tells
        assignee = await session.get(Staff, ticket.assignee_id)
        room -= await notify.auto_assigned(session, Done(ticket, None, assignee), now, new_card=room > 0)
        told += 1
    return told


async def pass_on_untaken(session: AsyncSession, config: Config, notify: Notifier, now: datetime) -> int:
    """take_within: tickets not taken in time to the next person or back to the dispatcher; how many moved."""
    await session.execute(update(Ticket).where(Ticket.take_by <= now, Ticket.status != rules.Status.ASSIGNED)
                          .values(take_by=None))  # taken, sent back or closed: nothing to pass on
    due = list(await session.scalars(
        select(Ticket.id).where(Ticket.take_by <= now, Ticket.status == rules.Status.ASSIGNED)
        .order_by(Ticket.id).limit(MAX_PER_SWEEP)
        .with_for_update(skip_locked=True, key_share=True, of=Ticket)))
    moved = 0
    for number in due:
        with about(ticket=number):
            placed = await assignment.pass_on(session, config, number, now)
            if placed is not None:
                log.info("ticket #%d not taken in time: %s", number, placed.reason)
                await notify.not_taken(session, placed.done(None), now)
                moved += 1
    return moved
