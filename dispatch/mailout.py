"""The e-mail sender: the outbox's e-mail rows into the SMTP server, through the drain loop (`dispatch.drain`).

Each row holds the message exactly as it leaves (its Message-ID was chosen and stored
when it was queued, so replies thread whatever happens here); the loop claims, sends and
marks it in one short transaction. What is SMTP's: a temporary failure (4xx, the server
unreachable, a timeout, a refused login) is trouble, retried with the loop's backoff for as
long as it takes; a permanent one (5xx) fails the row with the server's answer (`last_error`:
for the log and the database, never shown to people). When the server takes mail again,
what the trouble pushed back goes now, not at the end of each row's backoff.
`on_outcome` is told either way (SENT, RETRYING or FAILED, with the failure's kind), in the
same transaction (the bot uses it to tell the person who wrote the answer); `watcher` is told
after the commit (`dispatch.incidents` announces a refused login or a long outage).

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
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.dispatch import outbox
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.drain import Attempt, Drain, Transport, Verdict, Words
from deskbot.mailbox.failures import Failure, Watcher
from deskbot.mailbox.smtp import SmtpFailure, SmtpSettings, send
from deskbot.storage.models import Message, OutboxMessage, OutboxStatus

log = logging.getLogger("deskbot.mailout")

# What `on_outcome` is told: the drain loop's verdicts (an e-mail is never told to wait).
SENT, RETRYING, FAILED = Verdict.SENT, Verdict.RETRYING, Verdict.FAILED
Outcome = Callable[[AsyncSession, OutboxMessage, Verdict, Failure | None], Awaitable[None]]


async def _nothing(session: AsyncSession, row: OutboxMessage, outcome: Verdict, failure: Failure | None) -> None:
    return None


class MailSender(Transport):
    log = log
    words = Words(prefix="mail out", peer="the SMTP server", takes="mail", trouble="did not take the mail")

    def __init__(self, settings: SmtpSettings, sessions: async_sessionmaker[AsyncSession], clock: Clock, *,
                 on_outcome: Outcome = _nothing, deliver=send, sleep=asyncio.sleep, idle_check: float = 300.0,
                 jitter: Callable[[], float] = random.random, watcher: Watcher | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self._on_outcome = on_outcome
        self._deliver = deliver
        self.watcher = watcher
        self._drain = Drain(self, sessions, clock, sleep=sleep, idle_check=idle_check, batch=50, jitter=jitter)

    def wake(self) -> None:
        self._drain.wake()

    async def run(self, stop: asyncio.Event) -> None:
        await self._drain.run(stop)

    async def drain_once(self) -> int:
        """Send what is due; how many left. Stops at the first temporary failure: the server is in trouble."""
        return await self._drain.drain_once()

    # -- the transport ---------------------------------------------------------------------

    async def due(self, session: AsyncSession, *, now: datetime, limit: int) -> list[tuple[int, None]]:
        return [(row_id, None) for row_id in await outbox.due_mail(session, now=now, limit=limit)]

    async def next_due_at(self, session: AsyncSession, *, now: datetime) -> datetime | None:
        return await outbox.next_mail_due_at(session, now=now)

    async def send(self, session: AsyncSession, row: OutboxMessage) -> Any:
        payload: dict[str, Any] = json.loads(row.payload)
        await self._deliver(self.settings, mail_from=payload["mail_from"], rcpt_to=payload["rcpt_to"],
                            data=payload["data"].encode("ascii"))
        return payload.get("message")  # the ticket's copy of this mail (messages.id), stamped as sent

    def classify(self, error: Exception) -> Attempt | None:
        if not isinstance(error, SmtpFailure):
            return None
        verdict = Verdict.FAILED if error.permanent else Verdict.RETRYING
        return Attempt(verdict, str(error), kind=str(error.failure.kind), cause=error.failure)

    def describe(self, row: OutboxMessage) -> str:
        return f"message {row.id} ({row.purpose}, ticket {row.ticket_id})"

    async def recorded(self, session: AsyncSession, row: OutboxMessage, attempt: Attempt, *,
                       recovered: bool) -> None:
        if attempt.verdict is Verdict.SENT:
            message = await session.get(Message, attempt.result) if attempt.result is not None else None
            if message is not None:
                message.sent_at = row.sent_at
            if recovered:  # what the trouble pushed back goes now, not at the end of each row's backoff
                await session.execute(update(OutboxMessage).where(
                    OutboxMessage.channel == outbox.EMAIL, OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at > row.sent_at, OutboxMessage.id != row.id,
                ).values(next_attempt_at=row.sent_at))
        await self._on_outcome(session, row, attempt.verdict, attempt.cause)

    async def committed(self, row: OutboxMessage, attempt: Attempt) -> None:
        """After the commit (SQLite: one writer at a time). A refusal of one message means the server works."""
        if self.watcher is None:
            return
        if attempt.verdict is Verdict.RETRYING:
            await self.watcher.failing(attempt.cause)
        else:
            await self.watcher.working()
