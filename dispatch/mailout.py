"""The e-mail sender: drains the outbox's e-mail rows into the SMTP server, and loses nothing.

Each row holds the message exactly as it leaves (its Message-ID was chosen and stored
when it was queued, so replies thread whatever happens here). A row is claimed, handed
to the server and marked in one short transaction. A temporary failure (4xx, the server
unreachable, a timeout, a refused login) keeps the row, due again after a backoff doubling
up to five minutes, for as long as it takes; a permanent one (5xx) marks it failed with the
server's answer (`last_error`: for the log and the database, never shown to people).
`on_outcome` is told either way, with the failure's kind, in the same transaction (the bot
uses it to tell the person who wrote the answer); `watcher` is told after the commit
(`dispatch.incidents` announces a refused login or a long outage).

Exactly once, almost: SMTP has no idempotency key, so a crash between the server's
"250 OK" and our commit sends that one message again at the next start. Its
Message-ID is the same, and mail clients show such a copy as one message.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.dispatch import outbox
from deskbot.dispatch.background import backoff
from deskbot.dispatch.clock import Clock
from deskbot.mailbox.failures import Failure, Watcher
from deskbot.mailbox.smtp import SmtpFailure, SmtpSettings, send
from deskbot.mailbox.waits import first_of
from deskbot.storage.models import Message, OutboxMessage

log = logging.getLogger("deskbot.mailout")

SENT, RETRYING, FAILED = "sent", "retrying", "failed"
Outcome = Callable[[AsyncSession, OutboxMessage, str, Failure | None], Awaitable[None]]


async def _nothing(session: AsyncSession, row: OutboxMessage, outcome: str, failure: Failure | None) -> None:
    return None


class MailSender:
    def __init__(self, settings: SmtpSettings, sessions: async_sessionmaker[AsyncSession], clock: Clock, *,
                 on_outcome: Outcome = _nothing, deliver=send, sleep=asyncio.sleep, idle_check: float = 300.0,
                 jitter: Callable[[], float] = random.random, watcher: Watcher | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self._on_outcome = on_outcome
        self._deliver = deliver
        self._sleep = sleep
        self._idle_check = idle_check
        self._jitter = jitter
        self._wakeup = asyncio.Event()
        self._failures = 0  # the server unreachable this many times in a row
        self._trouble: str | None = None
        self.watcher = watcher

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wakeup.clear()
            try:
                await self.drain_once()
                pause = await self._pause_length()
            except Exception:  # the database, most likely: the sender lives on
                log.exception("mail out: sending failed; trying again in %.0fs", self._idle_check)
                pause = self._idle_check
            await first_of(self._sleep(pause), self._wakeup.wait(), stop.wait())

    async def drain_once(self) -> int:
        """Send what is due; how many left. Stops at the first temporary failure: the server is in trouble."""
        sent = 0
        while True:
            async with self.sessions() as session:
                due = await outbox.due_mail(session, now=self.clock.now(), limit=50)
            if not due:
                return sent
            for row_id in due:
                outcome, failure = await self._deliver_row(row_id)
                await self._tell_watcher(outcome, failure)
                if outcome == RETRYING:
                    return sent
                sent += outcome == SENT

    async def _tell_watcher(self, outcome: str | None, failure: Failure | None) -> None:
        """After the commit (SQLite: one writer at a time). A refusal of one message means the server works."""
        if self.watcher is None or outcome is None:
            return
        if outcome == RETRYING and failure is not None:
            await self.watcher.failing(failure)
        else:
            await self.watcher.working()

    async def _deliver_row(self, row_id: int) -> tuple[str | None, Failure | None]:
        async with self.sessions() as session, session.begin():
            row = await outbox.claim(session, row_id)
            if row is None:
                return None, None
            payload: dict[str, Any] = json.loads(row.payload)
            row.attempts += 1
            try:
                await self._deliver(self.settings, mail_from=payload["mail_from"], rcpt_to=payload["rcpt_to"],
                                    data=payload["data"].encode("ascii"))
            except SmtpFailure as refusal:
                outcome, failure = (FAILED if refusal.permanent else RETRYING), refusal.failure
                self._failed(row, refusal)
            else:
                outcome, failure = SENT, None
                await self._sent(session, row, payload.get("message"))
            await self._on_outcome(session, row, outcome, failure)
            return outcome, failure

    async def _sent(self, session: AsyncSession, row: OutboxMessage, stored: int | None) -> None:
        """`stored`: the ticket's copy of this mail (messages.id), stamped as sent."""
        now = self.clock.now()
        row.status, row.sent_at = outbox.SENT, now
        message = await session.get(Message, stored) if stored is not None else None
        if message is not None:
            message.sent_at = now
        self._failures = 0
        if self._trouble is not None:
            log.info("mail out: the SMTP server takes mail again (after %s)", self._trouble)
            self._trouble = None
            # What the outage pushed back goes now, not at the end of each row's backoff.
            await session.execute(update(OutboxMessage).where(
                OutboxMessage.channel == outbox.EMAIL, OutboxMessage.status == outbox.PENDING,
                OutboxMessage.next_attempt_at > now, OutboxMessage.id != row.id).values(next_attempt_at=now))

    def _failed(self, row: OutboxMessage, failure: SmtpFailure) -> None:
        row.last_error = str(failure)
        if failure.permanent:
            row.status = outbox.FAILED
            log.error("mail out: message %d (%s, ticket %s) refused, not retried (%s): %s",
                      row.id, row.purpose, row.ticket_id, failure.failure.kind, failure)
            return
        self._failures += 1
        delay = backoff(self._failures, jitter=self._jitter())
        row.next_attempt_at = self.clock.now() + timedelta(seconds=delay)
        if self._trouble is None:
            log.warning("mail out: the SMTP server did not take message %d (%s: %s); retrying with backoff, "
                        "nothing is lost", row.id, failure.failure.kind, failure)
            self._trouble = str(failure)

    async def _pause_length(self) -> float:
        now = self.clock.now()
        async with self.sessions() as session:
            next_due = await outbox.next_mail_due_at(session, now=now)
        if next_due is None:
            return self._idle_check
        return max(0.001, min(self._idle_check, (next_due - now).total_seconds()))
