"""How long did it take: the answer to Close, by a quick button or typed, then the ticket closes.

Typed text goes through `parse_time_spent`; what it refuses gets a re-prompt that says
why (never a silent zero) and the question stays open. "No charge" closes with 0
minutes and the mark; Cancel (or /cancel) leaves the ticket open and the card as it was.
The buttons carry the ticket number, so they keep working after a restart even though
the state that reads typed answers was lost with it.
"""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, hold_ticket, must_be_staff, pressed
from deskbot.bot.notify import Notifier
from deskbot.bot.render.callbacks import TimeSpentV1
from deskbot.bot.render.keyboards import CANCEL, NO_CHARGE
from deskbot.bot.render.texts import Safe, Texts
from deskbot.dispatch import tickets
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.rules import Status
from deskbot.dispatch.tickets import Refused
from deskbot.dispatch.timespent import QUICK_MINUTES, TimeSpentError, parse_time_spent
from deskbot.storage.models import Staff, Ticket


class Closing(StatesGroup):
    time_spent = State()  # data: ticket (its number), card (the id of the message asking)


def router() -> Router:
    r = Router(name=__name__)
    r.callback_query.register(cancel, TimeSpentV1.filter(F.minutes == CANCEL))
    # Only the values the buttons offer: callback data comes from the client.
    r.callback_query.register(tapped_time, TimeSpentV1.filter(F.minutes.in_({NO_CHARGE, *QUICK_MINUTES})))
    r.message.register(cancel_typed, StateFilter(Closing.time_spent), Command("cancel"))
    r.message.register(typed_time, StateFilter(Closing.time_spent), F.text, ~F.text.startswith("/"))
    return r


async def tapped_time(query: CallbackQuery, callback_data: TimeSpentV1, session: AsyncSession,
                      staff: Staff | None, clock: Clock, notify: Notifier, texts: Texts, replies: Replies,
                      state: FSMContext, callback_answer: CallbackAnswer) -> None:
    await _forget_question(state, callback_data.ticket)
    minutes = callback_data.minutes
    card, (key, args) = await _close(session, callback_data.ticket, must_be_staff(staff), minutes,
                                     minutes == NO_CHARGE, clock, notify, texts, pressed(query))
    replies.edit_pressed(query, card, None)
    callback_answer.text = texts.alert(key, **args)


async def typed_time(message: Message, session: AsyncSession, staff: Staff | None, clock: Clock,
                     notify: Notifier, texts: Texts, replies: Replies, state: FSMContext) -> None:
    question = await state.get_data()
    try:
        minutes = parse_time_spent(message.text)
    except TimeSpentError as error:
        replies.answer(message, texts.time_spent_error(error.reason, message.text))
        return
    await state.clear()
    where = (message.chat.id, question["card"])
    card, (key, args) = await _close(session, question["ticket"], must_be_staff(staff), minutes, False,
                                     clock, notify, texts, where)
    replies.edit(*where, card, None)
    replies.answer(message, texts.t(key, **args))


async def cancel(query: CallbackQuery, callback_data: TimeSpentV1, session: AsyncSession, staff: Staff | None,
                 notify: Notifier, texts: Texts, replies: Replies, state: FSMContext,
                 callback_answer: CallbackAnswer) -> None:
    await _forget_question(state, callback_data.ticket)
    ticket, card, buttons = await _as_it_was(session, callback_data.ticket, staff, notify)
    replies.edit_pressed(query, card, buttons)
    if ticket.status != Status.CLOSED:
        callback_answer.text = texts.alert("close-cancelled", number=ticket.id)


async def cancel_typed(message: Message, session: AsyncSession, staff: Staff | None, notify: Notifier,
                       texts: Texts, replies: Replies, state: FSMContext) -> None:
    question = await state.get_data()
    await state.clear()
    ticket, card, buttons = await _as_it_was(session, question["ticket"], staff, notify)
    replies.edit(message.chat.id, question["card"], card, buttons)
    if ticket.status != Status.CLOSED:
        replies.answer(message, texts.t("close-cancelled", number=ticket.id))


async def _close(session: AsyncSession, number: int, actor: Staff, minutes: int, no_charge: bool, clock: Clock,
                 notify: Notifier, texts: Texts, shown: tuple[int, int]) -> tuple[Safe, tuple[str, dict]]:
    """Close with the time; (the closed card, the confirmation's key and arguments)."""
    await hold_ticket(session, number)
    now = clock.now()
    done = await tickets.close(session, number, actor, minutes, no_charge, now)
    card = await notify.closed(session, done, now, shown=shown)
    if no_charge:
        return card, ("closed-no-charge", {"number": number})
    return card, ("closed", {"number": number, "time_spent": texts.duration(minutes)})


async def _as_it_was(session: AsyncSession, number: int, staff: Staff | None, notify: Notifier):
    """(the ticket, its card and buttons as they were before Close was pressed)."""
    ticket = await session.get(Ticket, number)
    if ticket is None:
        raise Refused("alert-ticket-not-found", number=number)
    return ticket, await notify.assignee_card(session, ticket), notify.actions(ticket, staff)


async def _forget_question(state: FSMContext, number: int) -> None:
    """A tap answers the question about its own ticket: typed text is no longer read for it."""
    if (await state.get_data()).get("ticket") == number:
        await state.clear()
