"""Mail kept aside, for dispatchers: /quarantine lists the open items, /quarantine_N opens one,
*Make a ticket* and *Dismiss* decide it.

Only in private chats and the dispatcher chat: the items hold customers' text. Every tap
re-reads the item and the person (`dispatch.quarantine`): a non-dispatcher is refused, and a
second tap on an item decided meanwhile is told what became of it while the message is redrawn.
"""
from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, must_be_staff
from deskbot.bot.notify import Notifier
from deskbot.bot.render import quarantine as shown
from deskbot.bot.render.callbacks import QuarantinePageV1, QuarantineV1
from deskbot.bot.render.texts import Safe, Texts
from deskbot.dispatch import quarantine, rules
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.dispatch.tickets import Refused
from deskbot.storage.models import Staff

_ALREADY = "quarantine-already-"


def router(config: Config) -> Router:
    r = Router(name=__name__)
    chat = config.telegram.dispatcher_chat_id
    r.message.filter((F.chat.type == "private") | (F.chat.id == chat))
    r.callback_query.filter((F.message.chat.type == "private") | (F.message.chat.id == chat))
    r.message.register(list_items, Command("quarantine"))
    r.message.register(open_item, Command(re.compile(r"quarantine_(\d{1,9})$")))
    r.callback_query.register(turn_page, QuarantinePageV1.filter())
    r.callback_query.register(decide, QuarantineV1.filter(F.action.in_({"ticket", "dismiss"})))
    return r


def _dispatcher(staff: Staff | None) -> Staff:
    person = must_be_staff(staff)
    if not rules.may_assign(person.role_set):
        raise Refused("quarantine-dispatchers-only")
    return person


async def list_items(message: Message, session: AsyncSession, staff: Staff | None, texts: Texts,
                     replies: Replies) -> None:
    _dispatcher(staff)
    replies.answer(message, *await _listing(session, 1, texts))


async def open_item(message: Message, command: CommandObject, session: AsyncSession, staff: Staff | None,
                    notify: Notifier, texts: Texts, replies: Replies) -> None:
    _dispatcher(staff)
    replies.answer(message, *await _opened(session, int(command.regexp_match.group(1)), texts, notify.zone))


async def turn_page(query: CallbackQuery, callback_data: QuarantinePageV1, session: AsyncSession,
                    staff: Staff | None, texts: Texts, replies: Replies) -> None:
    _dispatcher(staff)
    replies.edit_pressed(query, *await _listing(session, callback_data.page, texts))


async def decide(query: CallbackQuery, callback_data: QuarantineV1, session: AsyncSession, staff: Staff | None,
                 clock: Clock, config: Config, notify: Notifier, texts: Texts, replies: Replies,
                 callback_answer: CallbackAnswer) -> None:
    person, item = _dispatcher(staff), callback_data.item
    try:
        if callback_data.action == "ticket":
            number = await quarantine.release(session, item, person, config, clock.now())
            callback_answer.text = texts.alert("quarantine-made-ticket", number=number)
        else:
            await quarantine.dismiss(session, item, person, clock.now())
            callback_answer.text = texts.alert("quarantine-dismissed-alert")
    except Refused as refusal:
        if refusal.key.startswith(_ALREADY):  # decided meanwhile: show the message as the item is now
            replies.edit_pressed(query, *await _opened(session, item, texts, notify.zone))
        raise
    replies.edit_pressed(query, *await _opened(session, item, texts, notify.zone))


async def _opened(session: AsyncSession, item_id: int, texts: Texts, zone) -> tuple[Safe, InlineKeyboardMarkup | None]:
    return shown.opened(await quarantine.view(session, item_id), texts, zone)


async def _listing(session: AsyncSession, page: int, texts: Texts) -> tuple[Safe, InlineKeyboardMarkup | None]:
    """A page of the open items, newest first; a page past either end shows the nearest one."""
    total, _ = await quarantine.recent(session, 0, 0)
    if not total:
        return shown.listing([], 0, 1, texts)
    page = min(max(page, 1), shown.pages(total))
    _, items = await quarantine.recent(session, (page - 1) * shown.PAGE_LINES, shown.PAGE_LINES)
    return shown.listing(items, total, page, texts)
