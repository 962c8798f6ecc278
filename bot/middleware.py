"""One database transaction per update, and the person behind it.

`Transaction` wraps every message and callback handler: it opens one session, gives the
handler `session`, `staff` (the active Staff for the sender's Telegram id, or None) and
`replies`, and commits when the handler returns. What the handler queued in the outbox
commits with its change; then a button press is answered, the sender is woken, and only
then do the replies go out, so a person is never told of a change that was rolled back.

The press is answered before the edits because an edit may have to wait for the chat's
flood budget (a second, or the outbox in a busy group), while answerCallbackQuery is not
counted in any chat's limits: the button stops spinning as soon as the decision is
committed, and the edit follows as soon as the chat's limits allow.

A `Refused` from `dispatch.tickets` rolls the transaction back and becomes the short
text its key names: an alert on the button that was pressed, or a reply to a message.
Any other error rolls back and propagates (aiogram logs it); the press is still answered
by `CallbackAnswerMiddleware`, which runs outside this one, with no text: whatever the
handler meant to say did not happen.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import ClientDecodeError, TelegramAPIError
from aiogram.methods import AnswerCallbackQuery
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject, Update
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.delivery import TelegramSender
from deskbot.dispatch.tickets import Refused, staff_by_telegram
from deskbot.storage.models import Staff, Ticket
from deskbot.telemetry.context import concerning

log = logging.getLogger("deskbot.bot")
# A press is answered within seconds or never (Telegram then gives up on it): the edits
# that follow must not wait longer than this for an unreachable Telegram.
ANSWER_TIMEOUT = 10


async def hold_ticket(session: AsyncSession, number: int) -> None:
    """Make a second press on the same ticket wait for the first one's commit, then see its result.

    A no-op UPDATE takes the row's lock (PostgreSQL) or the database's write lock
    (SQLite) before the ticket is read: a double tap on "1h" records the time once.
    """
    await session.execute(update(Ticket).where(Ticket.id == number).values(updated_at=Ticket.updated_at))


def pressed(query: CallbackQuery) -> tuple[int, int]:
    """(chat id, message id) of the message whose button was pressed."""
    return query.message.chat.id, query.message.message_id


def must_be_staff(staff: Staff | None) -> Staff:
    """The acting staff member; a stranger is refused (with the "not on the staff list" text)."""
    if staff is None:
        raise Refused("alert-not-staff")
    return staff


class Replies:
    """What the person who acted is told: answers and edits in their chat, sent after the commit.

    They go through the sender's `send_now`: at once within Telegram's limits, which the
    outbox shares, or through the outbox when the chat is busy or Telegram is not there.
    """

    def __init__(self) -> None:
        self._calls: list[tuple[int, str, dict[str, Any], int | None]] = []  # the last: the ticket shown
        self._alerts: list[AnswerCallbackQuery] = []

    def send(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None, *,
             ticket: int | None = None) -> None:
        """`ticket`: the message shows that ticket, so a Telegram reply to it acts on it (`bot/handlers/about.py`)."""
        self._calls.append((chat_id, "sendMessage", _text(text, markup), ticket))

    def answer(self, message: Message, text: str, markup: InlineKeyboardMarkup | None = None, *,
               ticket: int | None = None) -> None:
        self.send(message.chat.id, text, markup, ticket=ticket)

    def edit(self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
        """Redraw a message; `markup=None` removes its buttons."""
        self._calls.append((chat_id, "editMessageText", {"message_id": message_id, **_text(text, markup)}, None))

    def edit_pressed(self, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
        self.edit(*pressed(query), text, markup)

    def alert(self, query: CallbackQuery, text: str) -> None:
        self._alerts.append(AnswerCallbackQuery(callback_query_id=query.id, text=text, show_alert=True))

    async def answer_press(self, bot: Bot, query: CallbackQuery, answer: CallbackAnswer | None) -> None:
        """Answer the press now, before any edit: with its alert, else what the handler set on
        `answer`; `CallbackAnswerMiddleware` is then told not to answer it a second time."""
        method = next((a for a in self._alerts if a.callback_query_id == query.id), None)
        if method is not None:
            self._alerts.remove(method)
        if answer is not None and not answer.answered:
            if method is None and not answer.disabled:
                method = AnswerCallbackQuery(callback_query_id=query.id, text=answer.text,
                                             show_alert=answer.show_alert, url=answer.url,
                                             cache_time=answer.cache_time)
            answer.disabled = True
        if method is not None:
            await _answer(bot, method)

    def buttons(self, query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
        """Change only the buttons of the message that was pressed."""
        chat_id, message_id = pressed(query)
        self._calls.append((chat_id, "editMessageReplyMarkup", {"message_id": message_id, **_markup(markup)}, None))

    async def deliver(self, bot: Bot, sender: TelegramSender | None) -> None:
        for alert in self._alerts:  # a press must be answered within seconds: never queued
            await _answer(bot, alert)
        for chat_id, method, payload, ticket in self._calls:
            if sender is None:
                log.warning("reply %s to chat %s not sent: no sender", method, chat_id)
            else:
                await sender.send_now(chat_id, method, payload, ticket_id=ticket)
        self._alerts.clear()
        self._calls.clear()


async def _answer(bot: Bot, method: AnswerCallbackQuery) -> None:
    try:
        await bot(method, request_timeout=ANSWER_TIMEOUT)
    except (TelegramAPIError, ClientDecodeError) as e:
        log.warning("press not answered: %s", e)


def _markup(markup: InlineKeyboardMarkup | None) -> dict[str, Any]:
    return {} if markup is None else {"reply_markup": markup.model_dump(mode="json", exclude_none=True)}


def _text(text: str, markup: InlineKeyboardMarkup | None) -> dict[str, Any]:
    return {"text": text, "parse_mode": "HTML", **_markup(markup)}


class LogContext(BaseMiddleware):
    """Every line logged while an update is handled names it (`update_id`), and the ticket once it is known:
    a button's callback data (`Transaction`), a reply to a ticket's message (`bot/handlers/about.py`).

    Set, not reset: each update is handled in a task of its own (polling and the webhook alike), whose
    context ends with it, so that aiogram's own "Update id=... is handled" line after this one names them too."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        concerning(update_id=event.update_id if isinstance(event, Update) else None)
        return await handler(event, data)


class Transaction(BaseMiddleware):
    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        concerning(getattr(data.get("callback_data"), "ticket", None))  # this update's task only
        replies = Replies()
        user = getattr(event, "from_user", None)
        try:
            async with data["sessions"]() as session:
                data["session"], data["replies"] = session, replies
                data["staff"] = await staff_by_telegram(session, user.id) if user is not None else None
                try:
                    result = await handler(event, data)
                except Refused as refusal:
                    await session.rollback()
                    _refuse(event, refusal, data)
                    result = None
                except BaseException:
                    await session.rollback()
                    raise
                await session.commit()
        except BaseException:
            _say_nothing(data.get("callback_answer"))
            raise
        if isinstance(event, CallbackQuery):
            await replies.answer_press(data["bot"], event, data.get("callback_answer"))
        sender = data.get("sender")
        if sender is not None:
            sender.wake()
        await replies.deliver(data["bot"], sender)
        return result


def _say_nothing(answer: CallbackAnswer | None) -> None:
    """The change failed: the press is answered all the same, without the text of a change that did not happen."""
    if answer is not None and not answer.answered:
        answer.text = answer.show_alert = None


def _refuse(event: TelegramObject, refusal: Refused, data: dict[str, Any]) -> None:
    texts = data["texts"]
    if isinstance(event, CallbackQuery):
        alert = texts.alert(refusal.key, **refusal.args_for_text)
        answer = data.get("callback_answer")  # sent by Replies.answer_press once the rollback is done
        if answer is None:
            data["replies"].alert(event, alert)
        else:
            answer.text, answer.show_alert = alert, True
    elif isinstance(event, Message):
        data["replies"].answer(event, texts.t(refusal.key, **refusal.args_for_text))
