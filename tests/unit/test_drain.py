"""The outbox drain loop itself (dispatch/drain.py), with a scripted transport, on both databases.

Time is a FrozenClock that only the loop's injected sleep moves: a five-minute backoff takes
no time, and nothing here sleeps for real. The transport answers as each test scripts it.
"""
from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from collections import deque
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.drain import Attempt, Drain, Transport, Verdict, Words
from deskbot.storage.db import session_factory
from deskbot.storage.models import OutboxMessage, OutboxStatus

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
OK = "ok"  # a scripted answer: the other side took the row


class Away(Exception):
    """The other side is unreachable (trouble)."""


class No(Exception):
    """The other side refuses the row for good."""


class Later(Exception):
    """The other side asks us to wait (a rate limit)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Scripted(Transport):
    """Answers each send with the next scripted answer (OK or an exception to raise); records the rest.
    A row's purpose stands for its lane (Telegram's is the chat)."""

    log = logging.getLogger("deskbot.test_drain")
    words = Words(prefix="test out", peer="the peer", takes="rows", trouble="unreachable")

    def __init__(self, *answers: object, clock: FrozenClock | None = None) -> None:
        self.answers = deque(answers)
        self.clock = clock
        self.sent: list[int] = []  # row ids, in the order they were handed over
        self.holds: list[tuple[int, Verdict, float]] = []
        self.recovered: list[int] = []
        self.paced: dict[object, datetime] = {}  # lane -> when its limits let it go
        self.all_sent = asyncio.Event()
        self.expected = 0

    async def due(self, session, *, now, limit):
        rows = await session.execute(
            select(OutboxMessage.id, OutboxMessage.purpose)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id).limit(limit))
        return [(row_id, lane) for row_id, lane in rows]

    async def next_due_at(self, session, *, now):
        return await session.scalar(
            select(OutboxMessage.next_attempt_at)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at > now)
            .order_by(OutboxMessage.next_attempt_at).limit(1))

    def ready_in(self, lane) -> float:
        until = self.paced.get(lane)
        return 0.0 if until is None else max(0.0, (until - self.clock.now()).total_seconds())

    def hold(self, row, attempt, seconds) -> str:
        self.holds.append((row.id, attempt.verdict, seconds))
        return "everywhere"

    async def send(self, session, row):
        answer = self.answers.popleft() if self.answers else OK
        if isinstance(answer, Exception):
            raise answer
        self.sent.append(row.id)
        return f"receipt {row.id}"

    def classify(self, error: Exception) -> Attempt | None:
        if isinstance(error, Away):
            return Attempt(Verdict.RETRYING, f"Away: {error}", kind="Away")
        if isinstance(error, No):
            return Attempt(Verdict.FAILED, str(error))
        if isinstance(error, Later):
            return Attempt(Verdict.WAITING, f"wait {error.seconds}", kind="rate limit", retry_after=error.seconds)
        return None

    async def recorded(self, session, row, attempt, *, recovered) -> None:
        if recovered:
            self.recovered.append(row.id)

    async def committed(self, row, attempt) -> None:
        if len(self.sent) >= self.expected:
            self.all_sent.set()


class VirtualTime:
    """The loop's sleep: moves the clock instead of waiting, and keeps what it was asked for."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock, self.pauses = clock, []

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


async def queue(sessions, clock, count: int, lane: str = "a") -> list[int]:
    async with sessions.begin() as session:
        rows = [OutboxMessage(channel="test", method="test", payload="{}", purpose=lane,
                              status=OutboxStatus.PENDING, attempts=0, next_attempt_at=clock.now(),
                              created_at=clock.now()) for _ in range(count)]
        session.add_all(rows)
    return [row.id for row in rows]


async def rows(sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def drain(transport, sessions, clock, **options) -> Drain:
    return Drain(transport, sessions, clock, jitter=lambda: 1.0, **options)  # jitter 1.0: the whole backoff


async def run_until_sent(loop: Drain, transport: Scripted, count: int) -> None:
    """Run the loop until `count` rows were handed over, then stop it; the loop ends by itself."""
    transport.expected = count
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        await asyncio.wait_for(transport.all_sent.wait(), 10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_trouble_is_retried_with_a_backoff_doubling_up_to_five_minutes(sessions, clock, caplog):
    [row_id] = await queue(sessions, clock, 1)
    transport = Scripted(*[Away("connection refused")] * 11)
    loop = drain(transport, sessions, clock)
    waits = []
    with caplog.at_level(logging.INFO, logger="deskbot.test_drain"):
        for _ in range(11):
            assert await loop.drain_once() == 0
            [row] = await rows(sessions)
            waits.append((row.next_attempt_at - clock.now()).total_seconds())
            assert await loop.drain_once() == 0  # not due again before its backoff ends
            clock.at = row.next_attempt_at
        assert await loop.drain_once() == 1
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    [row] = await rows(sessions)
    assert (row.status, row.attempts, row.last_error, row.sent_at) == (
        OutboxStatus.SENT, 12, "Away: connection refused", clock.now())
    assert transport.sent == [row_id] and transport.recovered == [row_id]
    assert [h[1] for h in transport.holds] == [Verdict.RETRYING] * 11
    # One line when the trouble starts, one when it ends: not one per attempt.
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == Scripted.log.name] == [
        ("WARNING", "test out: the peer unreachable (Away: connection refused); retrying with backoff, "
                    "nothing is lost"),
        ("INFO", "test out: the peer takes rows again (after Away)")]


async def test_trouble_pauses_the_loop_until_its_backoff_ends_then_everything_goes(sessions, clock):
    first, *others = await queue(sessions, clock, 3)
    transport = Scripted(Away("down"), Away("still down"))
    time = VirtualTime(clock)
    await run_until_sent(drain(transport, sessions, clock, sleep=time, idle_check=600), transport, 3)

    # Each trouble stops the drain and the loop sleeps out its backoff: the others are not tried meanwhile.
    assert time.pauses[:2] == [1.0, 2.0]
    assert transport.holds == [(first, Verdict.RETRYING, 1.0), (first, Verdict.RETRYING, 2.0)]
    assert transport.sent == [first, *others] and transport.recovered == [first]
    assert [(r.status, r.attempts) for r in await rows(sessions)] == [
        (OutboxStatus.SENT, 3), (OutboxStatus.SENT, 1), (OutboxStatus.SENT, 1)]


async def test_a_refused_row_fails_at_once_and_the_rest_goes_on(sessions, clock, caplog):
    refused, fine = await queue(sessions, clock, 2)
    transport = Scripted(No("Bad Request: chat not found"))
    loop = drain(transport, sessions, clock)
    assert await loop.drain_once() == 1  # a refusal is no trouble: the drain goes on with the next row
    assert await loop.drain_once() == 0  # and the refused row is never tried again
    one, two = await rows(sessions)
    assert (one.id, one.status, one.attempts, one.last_error) == (
        refused, OutboxStatus.FAILED, 1, "Bad Request: chat not found")
    assert (two.id, two.status) == (fine, OutboxStatus.SENT)
    assert transport.sent == [fine] and transport.holds == []
    assert [r.getMessage() for r in caplog.records if r.name == Scripted.log.name] == [
        f"test out: message {refused} (a) refused, not retried: Bad Request: chat not found"]


async def test_a_refusal_is_an_answer_and_the_next_trouble_starts_the_backoff_again(sessions, clock):
    one, two = await queue(sessions, clock, 2)
    transport = Scripted(Away("down"), No("refused"), Away("down again"))
    loop = drain(transport, sessions, clock)
    assert await loop.drain_once() == 0
    clock.advance(timedelta(seconds=1))
    assert await loop.drain_once() == 0  # `one` refused: the drain goes on, and `two` meets new trouble
    assert transport.holds == [(one, Verdict.RETRYING, 1.0), (two, Verdict.RETRYING, 1.0)]  # not 2 s


async def test_told_to_wait_holds_the_row_that_long_without_a_backoff(sessions, clock):
    [row_id] = await queue(sessions, clock, 1)
    transport = Scripted(Away("down"), Later(7), Away("down again"))
    loop = drain(transport, sessions, clock)
    await loop.drain_once()
    clock.advance(timedelta(seconds=1))
    await loop.drain_once()
    [row] = await rows(sessions)
    assert (row.next_attempt_at - clock.now(), row.last_error) == (timedelta(seconds=7), "wait 7")
    clock.advance(timedelta(seconds=7))
    await loop.drain_once()
    [row] = await rows(sessions)
    # The wait was an answer: the trouble after it starts the backoff again at one second.
    assert row.next_attempt_at - clock.now() == timedelta(seconds=1)
    assert transport.holds == [(row_id, Verdict.RETRYING, 1.0), (row_id, Verdict.WAITING, 7), (row_id, Verdict.RETRYING, 1.0)]


async def test_a_lane_held_by_the_transports_limits_waits_and_the_others_go(sessions, clock):
    held = await queue(sessions, clock, 1, lane="busy")
    free = await queue(sessions, clock, 1, lane="free")
    transport = Scripted(clock=clock)
    transport.paced["busy"] = START + timedelta(seconds=2.5)
    time = VirtualTime(clock)
    await run_until_sent(drain(transport, sessions, clock, sleep=time, idle_check=600), transport, 2)
    assert transport.sent == free + held
    assert time.pauses[0] == 2.5  # the loop slept just until the lane's limits let it go


async def test_a_wake_sends_new_rows_at_once(sessions, clock):
    transport = Scripted()
    asked, idle = [], asyncio.Event()

    async def never(seconds: float) -> None:  # an idle hour that does not pass by itself
        asked.append(seconds)
        idle.set()
        await asyncio.Event().wait()

    loop = drain(transport, sessions, clock, sleep=never, idle_check=3600)
    transport.expected = 1
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        await asyncio.wait_for(idle.wait(), 10)  # the loop found nothing and idles
        ids = await queue(sessions, clock, 1)
        loop.wake()
        await asyncio.wait_for(transport.all_sent.wait(), 10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert transport.sent == ids and asked[0] == 3600 and clock.now() == START


async def test_a_failure_that_is_not_the_peers_leaves_the_row_untouched_and_the_loop_alive(sessions, clock, caplog):
    [row_id] = await queue(sessions, clock, 1)
    transport = Scripted(KeyError("payload"))
    time = VirtualTime(clock)
    loop = drain(transport, sessions, clock, sleep=time, idle_check=30)
    with pytest.raises(KeyError):
        await loop.drain_once()
    [row] = await rows(sessions)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)  # rolled back with its transaction
    transport.answers.append(KeyError("payload"))
    await run_until_sent(loop, transport, 1)
    assert time.pauses[0] == 30 and transport.sent == [row_id]
    assert "test out: sending failed; trying again in 30s" in [r.getMessage() for r in caplog.records]


def test_the_loop_knows_no_transport(tmp_path):
    """dispatch/drain.py imports neither Telegram's nor SMTP's client: the channels bring those."""
    code = ("import sys, deskbot.dispatch.drain; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aiogram', 'aiosmtplib', 'aiohttp') "
            "or m.startswith(('deskbot.bot', 'deskbot.dispatch.mailout', 'deskbot.mailbox.smtp'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "[]", "")


async def test_each_outcome_is_counted_once_committed_by_channel_and_kind(sessions, clock):
    from prometheus_client import REGISTRY

    def count(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, {"channel": "test", **labels}) or 0.0

    names = [("deskbot_outbox_sent_total", {}),
             ("deskbot_outbox_errors_total", {"outcome": "refused", "kind": "No"}),
             ("deskbot_outbox_errors_total", {"outcome": "wait", "kind": "rate limit"}),
             ("deskbot_outbox_errors_total", {"outcome": "trouble", "kind": "Away"})]
    before = [count(name, **labels) for name, labels in names]
    await queue(sessions, clock, 4)
    transport = Scripted(KeyError("payload"), No("refused"), OK, Later(5), Away("down"))
    loop = drain(transport, sessions, clock)
    with pytest.raises(KeyError):  # not the peer's: rolled back, and counted nowhere
        await loop.drain_once()
    assert [count(name, **labels) for name, labels in names] == before
    await loop.drain_once()  # refused, sent, told to wait, then trouble: the drain pauses
    assert [count(name, **labels) - was for (name, labels), was in zip(names, before)] == [1, 1, 1, 1]
