"""Steps shared by the outbox's tests (test_outbox, test_replied_about); their fixtures are in tests/integration/conftest.py."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from deskbot.bot.delivery import TelegramSender
from deskbot.dispatch import outbox
from deskbot.dispatch.clock import FrozenClock
from deskbot.storage.models import OutboxMessage, OutboxStatus, Ticket
from harness.fake_telegram import FakeTelegram


START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
DANA, OLEG, STRANGER = 1001, 1002, 4242  # the stranger never started the bot
DISPATCHERS = -1001
BUTTONS = {"inline_keyboard": [[{"text": "Support", "callback_data": "d1:7:support"}]]}


def virtual_sleep(clock: FrozenClock):
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)
    return sleep


def sender_for(bot, sessions, clock, **options) -> TelegramSender:
    return TelegramSender(bot, sessions, clock, sleep=virtual_sleep(clock), **options)


@asynccontextmanager
async def running(*senders: TelegramSender):
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run(stop)) for s in senders]
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 5)


async def queue(sessions, clock, *messages: tuple[int, str], purpose: str = "notify") -> None:
    async with sessions.begin() as session:
        for chat_id, text in messages:
            outbox.send_message(session, chat_id=chat_id, text=text, purpose=purpose, now=clock.now())


async def all_rows(sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def until_settled(fake: FakeTelegram, sessions, timeout: float = 30.0) -> list[OutboxMessage]:
    """Wait until no row is pending any more; the rows."""
    async def settled():
        rows = await all_rows(sessions)
        return rows if all(r.status != OutboxStatus.PENDING for r in rows) else None

    deadline = asyncio.get_running_loop().time() + timeout
    while (rows := await settled()) is None:
        assert asyncio.get_running_loop().time() < deadline, f"rows still pending after {timeout}s"
        await fake.wait_for_version(fake.version, 0.2)
    return rows


async def new_ticket(session, clock, subject: str = "Printer") -> Ticket:
    ticket = Ticket(subject=subject, status="new", created_at=clock.now(), updated_at=clock.now())
    session.add(ticket)
    await session.flush()
    return ticket


def reply(text: str) -> dict:
    return {"text": text, "parse_mode": "HTML"}
