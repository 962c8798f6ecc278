"""Paging through a ticket's conversation: ◀ Older / Newer ▶ redraw the page in place.

Any active staff member may read. Each press re-reads the person and the ticket: the
page number in the button grants nothing, and a ticket that is gone gets an alert.
"""
from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, must_be_staff
from deskbot.bot.notify import Notifier
from deskbot.bot.render import conversation
from deskbot.bot.render.callbacks import ConversationV1
from deskbot.bot.render.texts import Texts
from deskbot.dispatch.config import Config
from deskbot.dispatch.conversation import entries
from deskbot.dispatch.tickets import Refused
from deskbot.storage.models import Staff, Ticket


def router(config: Config) -> Router:
    r = Router(name=__name__)
    dispatcher_chat = config.telegram.dispatcher_chat_id
    # Where /ticket shows the conversation, and nowhere else: the notes are internal.
    r.callback_query.filter(lambda query: query.message is not None and conversation.may_show(
        query.message.chat.id, query.message.chat.type, dispatcher_chat))
    r.callback_query.register(turn_page, ConversationV1.filter())
    return r


async def turn_page(query: CallbackQuery, callback_data: ConversationV1, session: AsyncSession,
                    staff: Staff | None, notify: Notifier, texts: Texts, replies: Replies) -> None:
    must_be_staff(staff)
    ticket = await session.get(Ticket, callback_data.ticket)
    if ticket is None:
        raise Refused("alert-ticket-not-found", number=callback_data.ticket)
    shown = await entries(session, ticket.id)
    replies.edit_pressed(query, *conversation.page(ticket.id, shown, callback_data.page, texts, notify.zone))
