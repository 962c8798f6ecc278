"""The Telegram sender: the outbox's Telegram rows, through the drain loop (`dispatch.drain`),
within Telegram's limits; and replies to a person who just acted (`send_now`).

The loop claims, sends and marks each row in its own short transaction, right after the
call (exactly once, almost: a crash between Telegram's answer and our commit sends that one
message again at the next start; on PostgreSQL, SELECT ... FOR UPDATE SKIP LOCKED keeps two
senders from sending a row twice; SQLite: one sender per database file). What is Telegram's:

Order: a chat's messages leave in the order they were queued (a later one never
overtakes an earlier pending one); chats take turns, oldest waiting message first.

Limits: `bot.limits.FloodControl` keeps us under Telegram's limits, so a 429 is the
exception. After a 429 the chat gets nothing before `retry_after` has passed; when a
second chat is refused meanwhile, the whole bot waits.

Failures: Telegram unreachable (network errors, 5xx, nginx's HTML 502) makes every
send wait, with a backoff doubling up to five minutes, for as long as it takes; one
log line when it starts, one when it ends. Telegram refusing the message (400, 403: a
chat that blocked the bot, HTML that does not parse) marks the row failed with the
reason, logged; the chat's later messages still go, since an alert held back by an
unrelated bad message helps no one. An edit that changes nothing, or a delete of a
message already gone, counts as done.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError, TelegramAPIError, TelegramBadRequest, TelegramEntityTooLarge, TelegramForbiddenError,
    TelegramMigrateToChat, TelegramNetworkError, TelegramNotFound, TelegramRetryAfter, TelegramServerError,
)
from aiogram.methods import DeleteMessage, EditMessageReplyMarkup, EditMessageText, SendDocument, SendMessage
from aiogram.types import BufferedInputFile, Message
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.bot.limits import TELEGRAM_LIMITS, FloodControl, Limits, fit_text
from deskbot.dispatch import outbox
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.drain import Attempt, Drain, Transport, Verdict, Words
from deskbot.storage.models import OutboxMessage, Report

log = logging.getLogger("deskbot.delivery")

_METHODS = {"sendMessage": SendMessage, "editMessageText": EditMessageText,
            "editMessageReplyMarkup": EditMessageReplyMarkup, "deleteMessage": DeleteMessage,
            "sendDocument": SendDocument}
_WITH_TEXT = {"sendMessage", "editMessageText"}
_TARGETED = {"editMessageText", "editMessageReplyMarkup", "deleteMessage"}
# Telegram's answers that mean what we wanted is already so.
_ALREADY_DONE = ("message is not modified", "message to delete not found")
REPLY = "reply"  # what a person is told right after acting (see TelegramSender.send_now)
# A person who tapped waits for the answer: this long for the chat's limits, else the outbox takes it.
REPLY_WAIT = 1.5


class Undeliverable(Exception):
    """The row cannot become a Bot API call (an edit of a card that was never sent)."""


# Telegram refused this message: asking again cannot help.
_REFUSED = (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound, TelegramEntityTooLarge,
            TelegramMigrateToChat, ValidationError, Undeliverable)
# Telegram, or the way to it, is in trouble: that passes. Any other API error (a revoked
# token, say) is taken as passing too: better late than lost. Checked after _REFUSED,
# whose Telegram errors are TelegramAPIErrors as well.
_UNREACHABLE = (TelegramNetworkError, TelegramServerError, ClientDecodeError, aiohttp.ClientError,
                asyncio.TimeoutError, TelegramAPIError)


class TelegramSender(Transport):
    """Drains the outbox into `bot`. `run` until `stop` is set; `wake` (on the same event loop)
    after committing new rows. The clock also paces the limits, and `sleep` is injected, so
    tests move time rather than wait."""

    log = log
    words = Words(prefix="outbox", peer="Telegram", takes="messages", trouble="unreachable")

    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                 limits: Limits = TELEGRAM_LIMITS, *, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 idle_check: float = 5.0, batch: int = 100, jitter: Callable[[], float] = random.random) -> None:
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self.flood = FloodControl(limits, now=lambda: clock.now().timestamp())
        self._sleep = sleep
        # idle_check: rows queued by another process (the CLI) get no wake()
        self._drain = Drain(self, sessions, clock, sleep=sleep, idle_check=idle_check, batch=batch, jitter=jitter)

    def wake(self) -> None:
        """Something was queued and committed: look now rather than at the next check."""
        self._drain.wake()

    async def run(self, stop: asyncio.Event) -> None:
        await self._drain.run(stop)

    async def drain_once(self) -> int:
        """Send what is due now and fits the limits; how many messages were sent."""
        return await self._drain.drain_once()

    # -- the transport ---------------------------------------------------------------------

    async def due(self, session: AsyncSession, *, now: datetime, limit: int) -> list[tuple[int, int]]:
        return await outbox.due(session, now=now, limit=limit)  # each chat's first waiting row

    async def next_due_at(self, session: AsyncSession, *, now: datetime) -> datetime | None:
        return await outbox.next_due_at(session, now=now)

    def ready_in(self, lane: int) -> float:
        return self.flood.delay(lane)

    def spend(self, lane: int) -> None:
        self.flood.spend(lane)

    def hold(self, row: OutboxMessage, attempt: Attempt, seconds: float) -> str:
        if attempt.verdict is Verdict.WAITING:
            return "for the whole bot" if self.flood.hold(row.chat_id, seconds) else f"in chat {row.chat_id}"
        self.flood.hold_all(seconds)  # unreachable: replies (send_now) wait for the backoff too
        return ""

    def classify(self, error: Exception) -> Attempt | None:
        if isinstance(error, TelegramRetryAfter):
            return Attempt(Verdict.WAITING, f"Too Many Requests: retry after {error.retry_after}",
                           kind="flood control", retry_after=error.retry_after)
        if isinstance(error, _REFUSED):
            return Attempt(Verdict.FAILED, _describe(error))
        if isinstance(error, _UNREACHABLE):
            return Attempt(Verdict.RETRYING, _describe(error), kind=type(error).__name__)
        return None

    def describe(self, row: OutboxMessage) -> str:
        return f"message {row.id} ({row.purpose}, {row.method} to chat {row.chat_id})"

    async def recorded(self, session: AsyncSession, row: OutboxMessage, attempt: Attempt, *,
                       recovered: bool) -> None:
        if attempt.verdict is not Verdict.SENT:
            return
        row.telegram_message_id = message_id = attempt.result
        if row.method == "sendMessage" and row.purpose in outbox.REMEMBERED and message_id is not None:
            await outbox.card_sent(session, ticket_id=row.ticket_id, chat_id=row.chat_id,
                                   message_id=message_id, now=row.sent_at, purpose=row.purpose)

    async def send(self, session: AsyncSession, row: OutboxMessage) -> int | None:
        """The Bot API call for the row; the id of the message it sent or changed."""
        params = json.loads(row.payload)
        if row.method not in _METHODS:
            raise Undeliverable(f"unknown method {row.method!r}")
        if row.method in _TARGETED and "message_id" not in params:
            params["message_id"] = await outbox.card_message_id(session, ticket_id=row.ticket_id,
                                                                 chat_id=row.chat_id)
            if params["message_id"] is None:
                raise Undeliverable("no card of this ticket was sent to this chat")
        if row.method == "sendDocument":
            report = await session.get(Report, params.pop("report"))
            if report is None:
                raise Undeliverable("the report is gone")
            params["document"] = BufferedInputFile(report.pdf, filename=params.pop("file_name", "report.pdf"))
        return await self._api(row.chat_id, row.method, params, what=f"message {row.id} ({row.purpose})")

    async def _api(self, chat_id: int, method: str, params: dict[str, Any], what: str) -> int | None:
        if method in _WITH_TEXT:
            params.setdefault("parse_mode", None)  # the row says it all, whatever the bot's default
            fitted = fit_text(params.get("text", ""), params["parse_mode"])
            if fitted is not None:  # the texts layer cuts properly: this is only the safety net
                log.warning("outbox: %s was over Telegram's limit: cut, formatting dropped", what)
                params["text"], params["parse_mode"] = fitted
        try:
            result = await self.bot(_METHODS[method](chat_id=chat_id, **params))
        except TelegramBadRequest as e:
            if any(phrase in e.message for phrase in _ALREADY_DONE):
                return params.get("message_id")
            raise
        return result.message_id if isinstance(result, Message) else params.get("message_id")

    async def send_now(self, chat_id: int, method: str, payload: dict[str, Any], *,
                       purpose: str = REPLY, max_wait: float = REPLY_WAIT, ticket_id: int | None = None) -> None:
        """An answer to a person who just acted: at once if the chat's limits allow it within
        `max_wait`, else (or when Telegram says wait, or is unreachable) through the outbox.

        Counted in the same flood control as the outbox, so neither pushes the other
        over Telegram's limits; and a reply that cannot go now is late, never lost. A reply
        that shows a ticket (`ticket_id`) is recorded, so that a reply to it acts on that ticket.
        """
        if method not in _METHODS:
            raise ValueError(f"{method!r} is not sent through the outbox")
        wait = self.flood.delay(chat_id)
        retry_at = self.clock.now()
        if wait <= max_wait:
            if wait > 0:
                await self._sleep(wait)
            if self.flood.delay(chat_id) <= 0:  # another reply may have taken the moment meanwhile
                self.flood.spend(chat_id)
                try:
                    sent = await self._api(chat_id, method, dict(payload), what=f"a reply ({purpose})")
                except Exception as e:
                    attempt = self.classify(e)
                    if attempt is None:
                        raise
                    if attempt.verdict is Verdict.FAILED:
                        log.warning("reply %s to chat %s refused: %s", method, chat_id, attempt.error)
                        return
                    if attempt.verdict is Verdict.WAITING:
                        self.flood.hold(chat_id, attempt.retry_after)
                        retry_at += timedelta(seconds=attempt.retry_after)
                    else:
                        log.warning("reply %s to chat %s not delivered now (%s): queued", method, chat_id,
                                    attempt.error)
                else:
                    if ticket_id is not None and sent is not None:
                        await self._record(chat_id, method, payload, purpose, ticket_id, sent)
                    return
        async with self.sessions.begin() as session:
            row = outbox.enqueue(session, chat_id=chat_id, method=method, payload=payload, purpose=purpose,
                                 ticket_id=ticket_id, now=self.clock.now())
            row.next_attempt_at = max(row.next_attempt_at, retry_at)
        self.wake()

    async def _record(self, chat_id: int, method: str, payload: dict, purpose: str, ticket_id: int, sent: int) -> None:
        try:  # the reply is out: a failure here only leaves a reply to it without its ticket, never raises
            async with self.sessions.begin() as session:
                outbox.record_sent(session, chat_id=chat_id, method=method, payload=payload, purpose=purpose,
                                   ticket_id=ticket_id, message_id=sent, now=self.clock.now())
        except SQLAlchemyError as e:
            log.warning("reply %s to chat %s sent but not recorded: %s", sent, chat_id, type(e).__name__)


def _describe(error: Exception) -> str:
    if isinstance(error, TelegramAPIError):
        text = error.message
    elif isinstance(error, Undeliverable):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    return (text.strip().splitlines() or [type(error).__name__])[0][:500]
