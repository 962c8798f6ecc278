"""Answering the customer: *Answer* and then the text, or a Telegram reply to the card (`handlers.replied`).

Either way the text goes to `dispatch.answers.answer`, which stores it and queues the
e-mail; the person is told it is on its way, and later (by the e-mail sender, through
`bot.mailnotify`) that it was delivered, or why not yet. A photo or a document answers
the same way: downloaded from Telegram, it leaves as an attachment, its caption as the text.
"""
from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import ClientDecodeError, TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiohttp import ClientError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, must_be_staff
from deskbot.bot.render.callbacks import TicketActionV1
from deskbot.bot.render.texts import Texts
from deskbot.dispatch.answers import MAX_ATTACHMENT_BYTES, answer, answerable
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.dispatch.tickets import Refused
from deskbot.mailbox.outbound import OutboundAttachment
from deskbot.storage.models import Customer, Staff, Ticket

log = logging.getLogger("deskbot.bot")

ANSWER = (F.text & ~F.text.startswith("/")) | F.photo | F.document  # a command is never an answer
DOWNLOAD_TIMEOUT = 60  # seconds for up to 20 MB


class Answering(StatesGroup):
    text = State()  # data: ticket


def router() -> Router:
    r = Router(name=__name__)
    r.callback_query.register(ask_for_answer, TicketActionV1.filter(F.action == "answer"))
    r.message.register(cancel_typed, StateFilter(Answering.text), Command("cancel"))
    r.message.register(typed_answer, StateFilter(Answering.text), ANSWER)
    return r


async def ask_for_answer(query: CallbackQuery, callback_data: TicketActionV1, session: AsyncSession,
                         staff: Staff | None, texts: Texts, replies: Replies, state: FSMContext) -> None:
    ticket, customer = await answerable(session, callback_data.ticket, must_be_staff(staff))
    await state.set_state(Answering.text)
    await state.set_data({"ticket": ticket.id})
    replies.send(query.message.chat.id, texts.t("answer-prompt", number=ticket.id,
                                                customer=customer.email if customer else "?"))


async def typed_answer(message: Message, bot: Bot, session: AsyncSession, staff: Staff | None, clock: Clock,
                       config: Config, texts: Texts, replies: Replies, state: FSMContext) -> None:
    number = (await state.get_data()).get("ticket")
    await state.clear()
    await send_answer(message, number, bot, session, must_be_staff(staff), clock, config, texts, replies)


async def cancel_typed(message: Message, state: FSMContext, texts: Texts, replies: Replies) -> None:
    number = (await state.get_data()).get("ticket")
    await state.clear()
    replies.answer(message, texts.t("answer-cancelled", number=number))


async def send_answer(message: Message, number: int, bot: Bot, session: AsyncSession, actor: Staff,
                      clock: Clock, config: Config, texts: Texts, replies: Replies) -> None:
    text, files = message.text or "", ()
    if message.photo or message.document:
        await answerable(session, number, actor)  # a refusal costs no download
        files = (await _download(message, number, bot),)
        text = (message.caption or "").strip() or texts.plain("answer-file-body")
    stored = await answer(session, number, actor, text, config, clock.now(), team=texts.plain("mail-team"),
                          attachments=files)
    customer = await session.scalar(select(Customer.email).join(Ticket, Ticket.customer_id == Customer.id)
                                    .where(Ticket.id == number))
    replies.answer(message, texts.t("answer-queued", number=stored.ticket_id, customer=customer or "?"))


async def _download(message: Message, number: int, bot: Bot) -> OutboundAttachment:
    """The photo (its largest size) or the document of `message`; Refused when Telegram will not give it.

    The document's name is the sender's: `answer` makes it safe before it is stored or sent.
    """
    if message.photo:
        item, name, content_type = message.photo[-1], f"photo-{number}.jpg", "image/jpeg"
    else:
        item = message.document
        name, content_type = item.file_name or "", item.mime_type or "application/octet-stream"
    if (item.file_size or 0) > MAX_ATTACHMENT_BYTES:  # a bot's getFile stops at 20 MB
        raise Refused("answer-file-too-big", number=number, megabytes=MAX_ATTACHMENT_BYTES // (1024 * 1024))
    try:
        data = (await bot.download(item.file_id, timeout=DOWNLOAD_TIMEOUT)).read()
    except (TelegramAPIError, ClientDecodeError, ClientError, OSError) as error:
        # Only the kind: aiohttp's errors carry the file URL, and the bot token is in it.
        log.warning("file for #%s not downloaded: %s %s", number, type(error).__name__,
                    error.message if isinstance(error, TelegramAPIError) else "")
        raise Refused("answer-file-failed", number=number) from None
    return OutboundAttachment(name, content_type, data)
