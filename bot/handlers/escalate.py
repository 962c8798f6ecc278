"""Pulling in a colleague: *Escalate*, then a department, a person and the question; then notes both ways.

The colleague gets the ticket with the question and two buttons: *Note* (what they write
is stored on the ticket as an internal note and reaches the assignee, never the
customer) and *My time*. A Telegram reply to the request, or to a forwarded note, is a
note too (`handlers.replied`, which tells it apart from an answer to the customer).
"""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, hold_ticket, must_be_staff
from deskbot.bot.notify import Notifier
from deskbot.bot.render import keyboards
from deskbot.bot.render.callbacks import EscalateV1, HelpTimeV1, HelpV1, TicketActionV1
from deskbot.bot.render.keyboards import CANCEL
from deskbot.bot.render.texts import Texts
from deskbot.dispatch import escalation
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.staff import active_departments, department_people
from deskbot.dispatch.timespent import QUICK_MINUTES, TimeSpentError, parse_time_spent
from deskbot.storage.models import Staff


class Escalating(StatesGroup):
    question = State()  # data: ticket, helper


class Noting(StatesGroup):
    text = State()  # data: ticket


class HelpTime(StatesGroup):
    minutes = State()  # data: ticket


def router() -> Router:
    r = Router(name=__name__)
    r.callback_query.register(ask_whom, TicketActionV1.filter(F.action == "escalate"))
    r.callback_query.register(picked, EscalateV1.filter())
    r.callback_query.register(ask_note, HelpV1.filter(F.action == "note"))
    r.callback_query.register(ask_time, HelpV1.filter(F.action == "time"))
    r.callback_query.register(cancel_time, HelpTimeV1.filter(F.minutes == CANCEL))
    r.callback_query.register(tapped_time, HelpTimeV1.filter(F.minutes.in_(set(QUICK_MINUTES))))
    for state in (Escalating.question, Noting.text, HelpTime.minutes):
        r.message.register(cancel_typed, StateFilter(state), Command("cancel"))
    r.message.register(typed_question, StateFilter(Escalating.question), F.text, ~F.text.startswith("/"))
    r.message.register(typed_note, StateFilter(Noting.text), F.text, ~F.text.startswith("/"))
    r.message.register(typed_time, StateFilter(HelpTime.minutes), F.text, ~F.text.startswith("/"))
    return r


# Escalate: whom, then the question --------------------------------------------------------

async def ask_whom(query: CallbackQuery, callback_data: TicketActionV1, session: AsyncSession, staff: Staff | None,
                   texts: Texts, replies: Replies) -> None:
    ticket = await escalation.escalatable(session, callback_data.ticket, must_be_staff(staff))
    replies.send(query.message.chat.id, texts.t("escalate-whom", number=ticket.id),
                 keyboards.escalate_departments(ticket.id, await active_departments(session)))


async def picked(query: CallbackQuery, callback_data: EscalateV1, session: AsyncSession, staff: Staff | None,
                 texts: Texts, replies: Replies, state: FSMContext) -> None:
    actor = must_be_staff(staff)
    ticket = await escalation.escalatable(session, callback_data.ticket, actor)
    if not callback_data.department:  # Back
        replies.edit_pressed(query, texts.t("escalate-whom", number=ticket.id),
                             keyboards.escalate_departments(ticket.id, await active_departments(session)))
        return
    if not callback_data.staff:
        people = [(staff_id, name) for staff_id, name in await department_people(session, callback_data.department)
                  if staff_id not in (ticket.assignee_id, actor.id)]
        replies.edit_pressed(query, texts.t("escalate-whom-in" if people else "escalate-nobody", number=ticket.id),
                             keyboards.escalate_people(ticket.id, callback_data.department, people, texts))
        return
    helper = await session.get(Staff, callback_data.staff)
    if helper is None or not helper.active:
        replies.alert(query, texts.alert("alert-not-staff"))
        return
    await state.set_state(Escalating.question)
    await state.set_data({"ticket": ticket.id, "helper": helper.id})
    replies.edit_pressed(query, texts.t("escalate-ask", name=helper.name, number=ticket.id), None)


async def typed_question(message: Message, session: AsyncSession, staff: Staff | None, clock: Clock,
                         notify: Notifier, texts: Texts, replies: Replies, state: FSMContext) -> None:
    asked = await state.get_data()
    await state.clear()
    await hold_ticket(session, asked["ticket"])
    now = clock.now()
    noted = await escalation.escalate(session, asked["ticket"], must_be_staff(staff), asked["helper"],
                                      message.text or "", now)
    await notify.escalated(session, noted, now)
    replies.answer(message, texts.t("escalated", name=noted.readers[0].name, number=noted.ticket.id))


# Notes --------------------------------------------------------------------------------------

async def ask_note(query: CallbackQuery, callback_data: HelpV1, session: AsyncSession, staff: Staff | None,
                   texts: Texts, replies: Replies, state: FSMContext) -> None:
    ticket, _ = await escalation.notable(session, callback_data.ticket, must_be_staff(staff))
    await state.set_state(Noting.text)
    await state.set_data({"ticket": ticket.id})
    replies.send(query.message.chat.id, texts.t("note-prompt", number=ticket.id))


async def typed_note(message: Message, session: AsyncSession, staff: Staff | None, clock: Clock,
                     notify: Notifier, texts: Texts, replies: Replies, state: FSMContext) -> None:
    number = (await state.get_data())["ticket"]
    await state.clear()
    await save_note(message, number, session, must_be_staff(staff), clock, notify, texts, replies)


async def save_note(message: Message, number: int, session: AsyncSession, actor: Staff, clock: Clock,
                    notify: Notifier, texts: Texts, replies: Replies) -> None:
    await hold_ticket(session, number)
    now = clock.now()
    noted = await escalation.add_note(session, number, actor, message.text or "", now)
    await notify.noted(session, noted, now)
    readers = len(noted.readers)
    replies.answer(message, texts.t("note-saved", number=number, count=readers) if readers else
                   texts.t("note-kept", number=number))


# A helper's time ------------------------------------------------------------------------------

async def ask_time(query: CallbackQuery, callback_data: HelpV1, session: AsyncSession, staff: Staff | None,
                   texts: Texts, replies: Replies, state: FSMContext) -> None:
    ticket, helpers = await escalation.notable(session, callback_data.ticket, must_be_staff(staff))
    if staff.id not in {h.id for h in helpers}:
        replies.alert(query, texts.alert("alert-helper-time"))
        return
    await state.set_state(HelpTime.minutes)
    await state.set_data({"ticket": ticket.id})
    replies.send(query.message.chat.id, texts.t("help-time-ask", number=ticket.id),
                 keyboards.help_time(ticket.id, texts))


async def tapped_time(query: CallbackQuery, callback_data: HelpTimeV1, session: AsyncSession, staff: Staff | None,
                      clock: Clock, texts: Texts, replies: Replies, state: FSMContext,
                      callback_answer: CallbackAnswer) -> None:
    await state.clear()
    await hold_ticket(session, callback_data.ticket)
    await escalation.record_help(session, callback_data.ticket, must_be_staff(staff), callback_data.minutes,
                                 clock.now())
    done = texts.t("help-time-recorded", number=callback_data.ticket, time_spent=texts.duration(callback_data.minutes))
    replies.edit_pressed(query, done, None)
    callback_answer.text = texts.alert("help-time-recorded", number=callback_data.ticket,
                                       time_spent=texts.duration(callback_data.minutes))


async def typed_time(message: Message, session: AsyncSession, staff: Staff | None, clock: Clock, texts: Texts,
                     replies: Replies, state: FSMContext) -> None:
    try:
        minutes = parse_time_spent(message.text)
    except TimeSpentError as error:
        replies.answer(message, texts.time_spent_error(error.reason, message.text))
        return
    number = (await state.get_data())["ticket"]
    await state.clear()
    await hold_ticket(session, number)
    await escalation.record_help(session, number, must_be_staff(staff), minutes, clock.now())
    replies.answer(message, texts.t("help-time-recorded", number=number, time_spent=texts.duration(minutes)))


async def cancel_time(query: CallbackQuery, callback_data: HelpTimeV1, texts: Texts, replies: Replies,
                      state: FSMContext) -> None:
    await state.clear()
    replies.edit_pressed(query, texts.t("help-time-cancelled", number=callback_data.ticket), None)


async def cancel_typed(message: Message, texts: Texts, replies: Replies, state: FSMContext) -> None:
    number = (await state.get_data()).get("ticket")
    await state.clear()
    replies.answer(message, texts.t("nothing-saved", number=number or 0))
