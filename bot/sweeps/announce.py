"""New tickets into the dispatcher chat: a card each for a handful, digests for a burst.

A sweep reads the tickets the dispatcher has not been shown (`announced_at IS NULL`,
an indexed column), queues what the chat can take within a minute, and marks
exactly those announced, in the caller's transaction: a ticket is either queued
and marked, or neither. Tickets that do not fit wait for the next sweep.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render import keyboards
from deskbot.bot.render.cards import history_lines
from deskbot.bot.render.texts import DIGEST_STYLES, Safe, Texts
from deskbot.dispatch import outbox, rules
from deskbot.dispatch.cards import history, ticket_cards, waiting_tickets
from deskbot.dispatch.config import Config
from deskbot.dispatch.staff import active_departments, department_people
from deskbot.storage.models import RuleFiring, Ticket, TicketEvent

MAX_PER_SWEEP = 5000  # a longer backlog is read by the next sweeps, so one sweep stays short
DIGEST, NAG, NAG_DIGEST = "digest", outbox.NAG, "nag-digest"


def plan(waiting: Sequence[rules.WaitingTicket], budget: int, texts: Texts) -> list[rules.Announcement]:
    """Cards for a handful of tickets, digests in the widest lines that list a burst within `budget`."""
    return rules.plan_announcements(waiting, budget, measure=texts.line_length, styles=len(DIGEST_STYLES))


async def announce_due(session: AsyncSession, config: Config, texts: Texts, now: datetime, budget: int) -> int:
    """Queue the announcements of tickets nobody has been shown yet; how many tickets were shown."""
    chat_id = config.telegram.dispatcher_chat_id
    if not chat_id or budget <= 0:
        return 0
    rows = (await session.execute(
        select(Ticket.id, Ticket.status, Ticket.assigned_by_rule).where(Ticket.announced_at.is_(None))
        .order_by(Ticket.id).limit(MAX_PER_SWEEP)
        # PostgreSQL: two services never announce twice. NO KEY UPDATE: a row that merely refers to the
        # ticket (an outbox row being sent) holds a KEY SHARE lock, which must not hide the ticket.
        .with_for_update(skip_locked=True, key_share=True, of=Ticket)
    )).all()
    # Assigned before anyone saw it (/ticket N; a department's automatic choice, which the assignment
    # sweep shows): nothing to show, never read again. A routing rule's assignment is shown like a new
    # ticket, with the buttons that override it.
    settled = [number for number, status, by_rule in rows if not rules.assignable(status, by_rule=by_rule)]
    if settled:
        await session.execute(update(Ticket).where(Ticket.id.in_(settled)).values(announced_at=now))
    waiting = await waiting_tickets(session, [number for number, status, by_rule in rows
                                              if rules.assignable(status, by_rule=by_rule)])
    if len(waiting) > rules.cards_allowed(budget) and rules.burst_landing([t.created_at for t in waiting], now):
        return 0  # a burst still landing: listed by a sweep a moment later, all of it at once
    announcements = plan(waiting, budget, texts)
    cards = [a.card.number for a in announcements if a.card is not None]
    details, buttons = await ticket_cards(session, cards), await department_buttons(session, cards, texts)
    footers = await rule_footers(session, cards, texts, ZoneInfo(config.dispatch.timezone))
    listed = sum(len(a.digest.tickets) for a in announcements if a.digest is not None)
    shown: list[int] = []
    for a in announcements:
        if a.card is not None:
            number = a.card.number
            outbox.send_message(session, chat_id=chat_id, text=texts.card(details[number], footer=footers.get(number)),
                                purpose=outbox.CARD,
                                ticket_id=number, reply_markup=buttons(number), now=now)
            shown.append(number)
        else:
            outbox.send_message(session, chat_id=chat_id, text=texts.digest(a.digest, total=listed),
                                purpose=DIGEST, now=now)
            shown += [t.number for t in a.digest.tickets]
    if shown:
        await session.execute(update(Ticket).where(Ticket.id.in_(shown)).values(announced_at=now))
        await session.execute(update(Ticket).where(Ticket.id.in_(shown), Ticket.status == rules.Status.NEW).values(
            next_nag_at=rules.next_nag_at(now, config.dispatch.nag_every, config.nag_hours())))
    return len(shown)


async def department_buttons(session: AsyncSession, cards: Sequence[int] = (), texts: Texts | None = None
                             ) -> Callable[[int], InlineKeyboardMarkup | None]:
    """The first buttons a dispatcher taps, for a ticket: the active departments, in config order; for a
    ticket that came routed to a department (the web form's request type), that department's people."""
    choices = await active_departments(session)
    routed: dict[int, InlineKeyboardMarkup] = {}
    if cards and texts is not None:
        # Handed back by a specialist (reassigned): the department may be the mistake, so all are offered.
        handed_back = exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == "reassigned")
        rows = await session.execute(select(Ticket.id, Ticket.department_id).where(
            Ticket.id.in_(cards), Ticket.department_id.is_not(None), ~handed_back))
        for number, department in rows:
            people = await department_people(session, department)
            if people:
                routed[number] = keyboards.people(number, department, people, texts)

    def buttons(number: int) -> InlineKeyboardMarkup | None:
        # No departments configured: no buttons rather than an empty keyboard.
        return routed.get(number) or (keyboards.departments(number, choices) if choices else None)
    return buttons


async def rule_footers(session: AsyncSession, cards: Sequence[int], texts: Texts, zone) -> dict[int, Safe]:
    """What routing rules did to the tickets about to be shown: the card says so, and why."""
    if not cards:
        return {}
    ruled = list(await session.scalars(select(RuleFiring.ticket_id).where(RuleFiring.ticket_id.in_(cards)).distinct()))
    footers = {}
    for number in ruled:
        ticket = await session.get(Ticket, number)
        lines = history_lines(await history(session, ticket), texts, zone)
        if lines:
            footers[number] = Safe("\n".join(lines))
    return footers
