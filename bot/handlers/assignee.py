"""The assignee's buttons on the ticket they received privately: Take, Reassign, Close.

Close does not close: it turns the card into the question "how long did it take?"
(`handlers.close` takes the answer), since a ticket closes only with its time recorded.
"""
from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.handlers.close import Closing
from deskbot.bot.middleware import Replies, hold_ticket, must_be_staff, pressed
from deskbot.bot.notify import Notifier
from deskbot.bot.render import keyboards
from deskbot.bot.render.callbacks import TicketActionV1
from deskbot.bot.render.texts import Texts
from deskbot.dispatch import tickets
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.storage.models import Staff


def router() -> Router:
    r = Router(name=__name__)
    r.callback_query.register(take, TicketActionV1.filter(F.action == "take"))
    r.callback_query.register(reassign, TicketActionV1.filter(F.action == "reassign"))
    r.callback_query.register(ask_time_spent, TicketActionV1.filter(F.action == "close"))
    r.callback_query.register(wait, TicketActionV1.filter(F.action == "wait"))
    r.callback_query.register(resume, TicketActionV1.filter(F.action == "resume"))
    return r


async def take(query: CallbackQuery, callback_data: TicketActionV1, session: AsyncSession, staff: Staff | None,
               clock: Clock, notify: Notifier, texts: Texts, replies: Replies,
               callback_answer: CallbackAnswer) -> None:
    done = await _change(tickets.take, query, callback_data, session, staff, clock, notify, replies)
    callback_answer.text = texts.alert("taken", number=done.ticket.id)


async def wait(query: CallbackQuery, callback_data: TicketActionV1, session: AsyncSession, staff: Staff | None,
               clock: Clock, config: Config, notify: Notifier, texts: Texts, replies: Replies,
               callback_answer: CallbackAnswer) -> None:
    """Waiting for the customer: their reply puts it back in work; silence closes it after autoclose_after."""
    done = await _change(tickets.wait, query, callback_data, session, staff, clock, notify, replies)
    after = config.dispatch.autoclose_after
    callback_answer.text = texts.alert("waiting", number=done.ticket.id) if after is None else \
        texts.alert("waiting-autoclose", number=done.ticket.id, after=texts.duration(int(after.total_seconds() // 60)))


async def resume(query: CallbackQuery, callback_data: TicketActionV1, session: AsyncSession, staff: Staff | None,
                 clock: Clock, notify: Notifier, texts: Texts, replies: Replies,
                 callback_answer: CallbackAnswer) -> None:
    done = await _change(tickets.resume, query, callback_data, session, staff, clock, notify, replies)
    callback_answer.text = texts.alert("resumed", number=done.ticket.id)


async def _change(change, query: CallbackQuery, callback_data: TicketActionV1, session: AsyncSession,
                  staff: Staff | None, clock: Clock, notify: Notifier, replies: Replies) -> tickets.Done:
    """Take, wait, resume: the change, the cards redrawn, the pressed card with its new buttons."""
    actor = must_be_staff(staff)
    await hold_ticket(session, callback_data.ticket)
    now = clock.now()
    done = await change(session, callback_data.ticket, actor, now)
    card = await notify.taken(session, done, now, shown=pressed(query))
    replies.edit_pressed(query, card, notify.actions(done.ticket, actor))
    return done


async def reassign(query: CallbackQuery, callback_data: TicketActionV1, session: AsyncSession,
                   staff: Staff | None, clock: Clock, config: Config, notify: Notifier, texts: Texts,
                   replies: Replies, callback_answer: CallbackAnswer) -> None:
    actor = must_be_staff(staff)
    await hold_ticket(session, callback_data.ticket)
    now = clock.now()
    done = await tickets.reassign(session, callback_data.ticket, actor, now, config.dispatch.nag_every,
                                  config.nag_hours())
    replies.edit_pressed(query, await notify.sent_back(session, done, now), None)
    callback_answer.text = texts.alert("reassigned", number=done.ticket.id)


async def ask_time_spent(query: CallbackQuery, callback_data: TicketActionV1, session: AsyncSession,
                         staff: Staff | None, notify: Notifier, texts: Texts, replies: Replies,
                         state: FSMContext) -> None:
    ticket = await tickets.check_closable(session, callback_data.ticket, must_be_staff(staff))
    replies.edit_pressed(query, await notify.asking_time(session, ticket), keyboards.time_spent(ticket.id, texts))
    # The answer may also be typed: the next message in this chat is read as the time.
    await state.set_state(Closing.time_spent)
    await state.set_data({"ticket": ticket.id, "card": query.message.message_id})
