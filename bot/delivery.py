"""The Telegram sender: drains the outbox within Telegram's limits, and loses nothing.

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

Exactly once, almost: Telegram has no idempotency key, so a crash between its answer
and our commit sends that one message again at the next start. The window is one
message wide: each row is claimed, sent and marked sent in its own short transaction,
right after the call. Otherwise a row is marked sent only after Telegram took it, and
never sent again.

Several senders (two `deskbot run` by mistake): on PostgreSQL a row is claimed with
SELECT ... FOR UPDATE SKIP LOCKED and stays locked during its call, so no row goes
twice. SQLite has no row locks: one sender per database file, or a row may go twice.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
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

from deskbot.bot.limits import TELEGRAM_LIMITS, FloodControl, Limits, backoff, fit_text
from deskbot.dispatch import outbox
from deskbot.dispatch.clock import Clock
from deskbot.mailbox.waits import first_of
from deskbot.storage.models import OutboxMessage, Report

log = logging.getLogger("deskbot.delivery")

_METHODS = {"sendMessage": SendMessage, "editMessageText": EditMessageText,
            "editMessageReplyMarkup": EditMessageReplyMarkup, "deleteMessage": DeleteMessage,
            "sendDocument": SendDocument}
_WITH_TEXT = {"sendMessage", "editMessageText"}
_TARGETED = {"editMessageText", "editMessageReplyMarkup", "deleteMessage"}
# Telegram's answers that mean what we wanted is already so.
_ALREADY_DONE = ("message is not modified", "message to delete not found")
# A wait shorter than the clock's resolution would come back to the same instant, forever.
_SHORTEST_PAUSE = 0.001
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


class TelegramSender:
    """Drains the outbox into `bot`. `run` until `stop` is set; `wake` (on the same event loop)
    after committing new rows. The clock also paces the limits, and `sleep` is injected, so
    tests move time rather than wait."""

    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                 limits: Limits = TELEGRAM_LIMITS, *, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 idle_check: float = 5.0, batch: int = 100, jitter: Callable[[], float] = random.random) -> None:
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self.flood = FloodControl(limits, now=lambda: clock.now().timestamp())
        self._sleep = sleep
        self._idle_check = idle_check  # rows queued by another process (the CLI) get no wake()
        self._batch = batch
        self._jitter = jitter
        self._wakeup = asyncio.Event()
        self._failures = 0  # Telegram unreachable this many times in a row
        self._trouble: str | None = None  # the failure kind last logged
        self._ready_in: float | None = None  # seconds until the limits let a due row go

    def wake(self) -> None:
        """Something was queued and committed: look now rather than at the next check."""
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wakeup.clear()  # before draining: a wake() during the drain is not lost
            try:
                await self.drain_once()
                pause = await self._pause_length()
            except Exception:  # the database, most likely: the sender lives on and tries again
                log.exception("outbox: sending failed; trying again in %.0fs", self._idle_check)
                pause = self._idle_check
            await self._pause(pause, stop)

    async def drain_once(self) -> int:
        """Send what is due now and fits the limits; how many messages were sent."""
        sent, self._ready_in = 0, None
        while True:
            async with self.sessions() as session:
                heads = await outbox.due(session, now=self.clock.now(), limit=self._batch)
            tried = False
            for row_id, chat_id in heads:
                wait = self.flood.delay(chat_id)
                if wait > 0:
                    self._ready_in = wait if self._ready_in is None else min(self._ready_in, wait)
                    continue
                status = await self._deliver(row_id, chat_id)
                tried = tried or status is not None
                sent += status == outbox.SENT
            if not tried:  # the rest waits for the limits, a retry time or a new row
                return sent

    async def _deliver(self, row_id: int, chat_id: int) -> str | None:
        """Send one row and record the outcome in one short transaction; None if another sender has it."""
        async with self.sessions() as session, session.begin():
            row = await outbox.claim(session, row_id)
            if row is None:
                return None
            self.flood.spend(chat_id)
            row.attempts += 1
            try:
                message_id = await self._call(session, row)
            except TelegramRetryAfter as e:
                self._told_to_wait(row, e.retry_after)
            except _REFUSED as e:
                self._refused(row, e)
            except _UNREACHABLE as e:
                self._unreachable(row, e)
            else:
                await self._sent(session, row, message_id)
            return row.status

    async def _call(self, session: AsyncSession, row: OutboxMessage) -> int | None:
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
                    if ticket_id is not None and sent is not None:
                        await self._record(chat_id, method, payload, purpose, ticket_id, sent)
                    return
                except TelegramRetryAfter as e:
                    self.flood.hold(chat_id, e.retry_after)
                    retry_at += timedelta(seconds=e.retry_after)
                except _REFUSED as e:
                    log.warning("reply %s to chat %s refused: %s", method, chat_id, _describe(e))
                    return
                except _UNREACHABLE as e:
                    log.warning("reply %s to chat %s not delivered now (%s): queued", method, chat_id, _describe(e))
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

    async def _sent(self, session: AsyncSession, row: OutboxMessage, message_id: int | None) -> None:
        now = self.clock.now()
        row.status, row.sent_at, row.telegram_message_id = outbox.SENT, now, message_id
        if row.method == "sendMessage" and row.purpose in outbox.REMEMBERED and message_id is not None:
            await outbox.remember_card(session, ticket_id=row.ticket_id, chat_id=row.chat_id,
                                       message_id=message_id, now=now, purpose=row.purpose)
        self._failures = 0
        if self._trouble is not None:
            log.info("outbox: Telegram takes messages again (after %s)", self._trouble)
            self._trouble = None

    def _told_to_wait(self, row: OutboxMessage, retry_after: int) -> None:
        self._failures = 0  # Telegram answered: it is reachable
        bot_wide = self.flood.hold(row.chat_id, retry_after)
        row.next_attempt_at = self.clock.now() + timedelta(seconds=retry_after)
        row.last_error = f"Too Many Requests: retry after {retry_after}"
        self._note("flood control", "outbox: Telegram asked to wait %ds %s", retry_after,
                   "for the whole bot" if bot_wide else f"in chat {row.chat_id}")

    def _refused(self, row: OutboxMessage, error: Exception) -> None:
        self._failures = 0
        row.status, row.last_error = outbox.FAILED, _describe(error)
        log.error("outbox: message %d (%s, %s to chat %s) refused, not retried: %s",
                  row.id, row.purpose, row.method, row.chat_id, row.last_error)

    def _unreachable(self, row: OutboxMessage, error: Exception) -> None:
        self._failures += 1
        delay = backoff(self._failures, jitter=self._jitter())
        self.flood.hold_all(delay)
        row.next_attempt_at = self.clock.now() + timedelta(seconds=delay)
        row.last_error = _describe(error)
        self._note(type(error).__name__, "outbox: Telegram unreachable (%s); retrying with backoff, "
                   "nothing is lost", row.last_error)

    def _note(self, kind: str, message: str, *args: Any) -> None:
        """One log line per kind of trouble, not one per message."""
        if kind != self._trouble:
            log.warning(message, *args)
            self._trouble = kind

    async def _pause_length(self) -> float:
        now = self.clock.now()
        async with self.sessions() as session:
            next_due = await outbox.next_due_at(session, now=now)
        candidates = [self._idle_check]
        if self._ready_in is not None:
            candidates.append(self._ready_in)
        if next_due is not None:
            candidates.append((next_due - now).total_seconds())
        return max(_SHORTEST_PAUSE, min(candidates))

    async def _pause(self, seconds: float, stop: asyncio.Event) -> None:
        await first_of(self._sleep(seconds), self._wakeup.wait(), stop.wait())


def _describe(error: Exception) -> str:
    if isinstance(error, TelegramAPIError):
        text = error.message
    elif isinstance(error, Undeliverable):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    return (text.strip().splitlines() or [type(error).__name__])[0][:500]
