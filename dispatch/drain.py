"""The outbox drain loop, one for every channel: a channel supplies only its transport.

The loop runs until stopped: it takes the rows the transport says are due, oldest first,
and for each claims it, hands it to the transport, sorts out what happened and records it,
in one short transaction per row, right after the call.

What an attempt comes to (a `Verdict`; the transport's `classify` sorts out its failures):
- SENT: the row is marked sent, and never sent again;
- FAILED, refused for good (asking again cannot help): the row fails with the reason, logged;
- WAITING, told to wait (a rate limit): due again after that long, without a backoff;
- RETRYING, trouble (the other side unreachable, or refusing for now): due again after a backoff
  doubling up to five minutes, for as long as it takes, and the loop pauses: the drain
  stops and sleeps until the backoff ends (a wake looks again at once; the transport's
  `hold` may keep its rows back meanwhile, as Telegram's flood control does). One log
  line when the trouble starts (or changes its kind), one when it ends.

Exactly once, almost: the other side has no idempotency key, so a crash between its answer
and our commit sends that one row again at the next start. The window is one row wide.

Several senders (two `deskbot run` by mistake): on PostgreSQL a row is claimed with
SELECT ... FOR UPDATE SKIP LOCKED (`outbox.claim`) and stays locked during its call, so no
row goes twice. SQLite has no row locks: one sender per database file, or a row may go twice.

Wake: `wake()` (on the same event loop) after committing new rows, and the loop looks now;
else it looks when the next row is due, or after `idle_check` (rows another process queued).
Time is injected: the clock, `sleep` and `jitter`, so tests move time rather than wait.
"""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.dispatch import outbox
from deskbot.dispatch.background import backoff
from deskbot.dispatch.clock import Clock
from deskbot.mailbox.waits import first_of
from deskbot.storage.models import OutboxMessage, OutboxStatus
from deskbot.telemetry import metrics
from deskbot.telemetry.context import about

# A wait shorter than the clock's resolution would come back to the same instant, forever.
_SHORTEST_PAUSE = 0.001


class Verdict(StrEnum):
    """What one attempt came to."""

    SENT = "sent"
    FAILED = "failed"  # refused for good: the row fails, never retried
    WAITING = "waiting"  # the other side asked us to wait `retry_after` seconds
    RETRYING = "retrying"  # trouble: unreachable, or refusing for now; backoff, and the loop pauses


@dataclass(frozen=True, slots=True)
class Attempt:
    verdict: Verdict
    error: str = ""  # the row's last_error: for the log and the database, never shown to people
    kind: str = ""  # the kind of trouble: one log line per kind, not one per row
    retry_after: float = 0.0  # WAITING
    result: Any = None  # SENT: what the transport records (Telegram's message id)
    cause: Any = None  # the transport's own account of a failure (mail: its `Failure`)

    @property
    def told(self) -> str:
        """The error with its kind, for the log (the kind once, when the error already starts with it)."""
        return self.error if not self.kind or self.error.startswith(self.kind) else f"{self.kind}: {self.error}"


@dataclass(frozen=True, slots=True)
class Words:
    """How the transport's log lines name things: "outbox: Telegram unreachable (...)"."""

    prefix: str  # "outbox", "mail out"
    peer: str  # "Telegram", "the SMTP server"
    takes: str  # what the peer takes again after trouble: "messages", "mail"
    trouble: str  # what trouble is called: "unreachable"


Lane = Hashable  # what the transport paces rows by (Telegram: the chat); None when it does not


class Transport(Protocol):
    """One channel: which rows are due, how one leaves, and what an answer or an exception means.
    A transport without limits of its own or anything more to record subclasses it for the defaults."""

    log: logging.Logger
    words: Words

    async def due(self, session: AsyncSession, *, now: datetime, limit: int) -> Sequence[tuple[int, Lane]]:
        """(row id, lane) of the rows that may go now, in the order they should."""
        ...

    async def next_due_at(self, session: AsyncSession, *, now: datetime) -> datetime | None:
        """When the next row waiting for a later time becomes due."""
        ...

    def ready_in(self, lane: Lane) -> float:
        """Seconds until the transport's own limits let a row of `lane` go (0: now)."""
        return 0.0

    def spend(self, lane: Lane) -> None:
        """A row of `lane` goes now (count it against the limits)."""

    def hold(self, row: OutboxMessage, attempt: Attempt, seconds: float) -> str:
        """Told to wait, or in trouble: send nothing there for `seconds`; where that holds, for the log."""
        return ""

    async def send(self, session: AsyncSession, row: OutboxMessage) -> Any:
        """Hand the claimed row over; what to record of the answer. Raises what `classify` sorts out."""
        ...

    def classify(self, error: Exception) -> Attempt | None:
        """What a failure of `send` means; None: not the other side's (the database?), raised on."""
        ...

    def describe(self, row: OutboxMessage) -> str:
        """The row, for the log: "message 7 (notify, sendMessage to chat 42)"."""
        return f"message {row.id} ({row.purpose})"

    async def recorded(self, session: AsyncSession, row: OutboxMessage, attempt: Attempt, *,
                       recovered: bool) -> None:
        """The outcome is on the row, in its transaction: add what the channel keeps of it.
        `recovered`: this row ended a time of trouble."""

    async def committed(self, row: OutboxMessage, attempt: Attempt) -> None:
        """The outcome is committed: tell whom it may concern."""


_OUTCOMES = {Verdict.FAILED: "refused", Verdict.WAITING: "wait", Verdict.RETRYING: "trouble"}


def _count(channel: str, verdict: Verdict, kind: str) -> None:
    if verdict is Verdict.SENT:
        metrics.OUTBOX_SENT.labels(channel).inc()
    else:
        metrics.OUTBOX_ERRORS.labels(channel, _OUTCOMES[verdict], kind).inc()


class Drain:
    """Drains the outbox through `transport`. `run` until `stop` is set; `wake` after committing rows."""

    def __init__(self, transport: Transport, sessions: async_sessionmaker[AsyncSession], clock: Clock, *,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, idle_check: float = 5.0,
                 batch: int = 100, jitter: Callable[[], float] = random.random) -> None:
        self.transport = transport
        self.sessions = sessions
        self.clock = clock
        self._log = transport.log
        self._words = transport.words
        self._sleep = sleep
        self._idle_check = idle_check
        self._batch = batch
        self._jitter = jitter
        self._wakeup = asyncio.Event()
        self._failures = 0  # in trouble this many times in a row
        self._trouble: str | None = None  # the kind of trouble last logged
        self._ready_in: float | None = None  # seconds until the transport's limits let a due row go

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
                self._log.exception("%s: sending failed; trying again in %.0fs", self._words.prefix, self._idle_check)
                pause = self._idle_check
            await first_of(self._sleep(pause), self._wakeup.wait(), stop.wait())

    async def drain_once(self) -> int:
        """Send what is due now and fits the transport's limits, until trouble; how many rows were sent."""
        sent, self._ready_in = 0, None
        while True:
            async with self.sessions() as session:
                heads = await self.transport.due(session, now=self.clock.now(), limit=self._batch)
            tried = False
            for row_id, lane in heads:
                wait = self.transport.ready_in(lane)
                if wait > 0:
                    self._ready_in = wait if self._ready_in is None else min(self._ready_in, wait)
                    continue
                verdict = await self._attempt(row_id, lane)
                if verdict is Verdict.RETRYING:
                    return sent  # the other side is in trouble: pause, rather than knock with every row
                tried = tried or verdict is not None
                sent += verdict is Verdict.SENT
            if not tried:  # the rest waits for the limits, a retry time or a new row
                return sent

    async def _attempt(self, row_id: int, lane: Lane) -> Verdict | None:
        """Send one row and record the outcome in one short transaction; None if another sender has it."""
        async with self.sessions() as session, session.begin():
            row = await outbox.claim(session, row_id)
            if row is None:
                return None
            self.transport.spend(lane)
            row.attempts += 1
            kind = ""
            with about(ticket=row.ticket_id):  # the log lines of this row name its ticket
                try:
                    result = await self.transport.send(session, row)
                except Exception as error:
                    attempt = self.transport.classify(error)
                    if attempt is None:
                        raise
                    kind = attempt.kind or type(error).__name__
                else:
                    attempt = Attempt(Verdict.SENT, result=result)
                recovered = self._record(row, attempt)
                await self.transport.recorded(session, row, attempt, recovered=recovered)
        _count(row.channel, attempt.verdict, kind)  # committed
        with about(ticket=row.ticket_id):
            await self.transport.committed(row, attempt)
        return attempt.verdict

    def _record(self, row: OutboxMessage, attempt: Attempt) -> bool:
        """The outcome on the row; True when it ends a time of trouble."""
        now, words = self.clock.now(), self._words
        if attempt.verdict is Verdict.RETRYING:
            self._failures += 1
            delay = backoff(self._failures, jitter=self._jitter())
            self.transport.hold(row, attempt, delay)
            row.next_attempt_at, row.last_error = now + timedelta(seconds=delay), attempt.error
            self._note(attempt.kind, "%s: %s %s (%s); retrying with backoff, nothing is lost",
                       words.prefix, words.peer, words.trouble, attempt.told)
            return False
        self._failures = 0  # the other side answered: it is reachable
        if attempt.verdict is Verdict.WAITING:
            where = self.transport.hold(row, attempt, attempt.retry_after)
            row.next_attempt_at = now + timedelta(seconds=attempt.retry_after)
            row.last_error = attempt.error
            self._note(attempt.kind, "%s: %s asked to wait %ds %s", words.prefix, words.peer,
                       attempt.retry_after, where)
        elif attempt.verdict is Verdict.FAILED:
            row.status, row.last_error = OutboxStatus.FAILED, attempt.error
            self._log.error("%s: %s refused, not retried: %s", words.prefix, self.transport.describe(row),
                            attempt.told)
        else:
            row.status, row.sent_at = OutboxStatus.SENT, now
            if self._trouble is not None:
                self._log.info("%s: %s takes %s again (after %s)", words.prefix, words.peer, words.takes,
                               self._trouble)
                self._trouble = None
                return True
        return False

    def _note(self, kind: str, message: str, *args: Any) -> None:
        """One log line per kind of trouble, not one per row."""
        if kind != self._trouble:
            self._log.warning(message, *args)
            self._trouble = kind

    async def _pause_length(self) -> float:
        now = self.clock.now()
        async with self.sessions() as session:
            next_due = await self.transport.next_due_at(session, now=now)
        candidates = [self._idle_check]
        if self._ready_in is not None:
            candidates.append(self._ready_in)
        if next_due is not None:
            candidates.append((next_due - now).total_seconds())
        return max(_SHORTEST_PAUSE, min(candidates))
