"""The transaction per update of the running bot (the `desk` the test_bot_* modules drive is tests/harness/bot_desk.py)."""
from __future__ import annotations

import pytest
from aiogram import Dispatcher, F, Router
from aiogram.types import Message as TelegramMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.delivery import TelegramSender
from deskbot.bot.middleware import Transaction
from deskbot.dispatch.tickets import Refused
from deskbot.storage.db import session_factory
from deskbot.storage.models import Department, Staff
from harness.bot_desk import EN, SAM, START, STRANGER, PacedClock, running, seed
from deskbot.demo.botapi import FakeTelegram
from harness.telegram import aiogram_bot


# The transaction per update ------------------------------------------------------------------


class CountingSender(TelegramSender):
    woken = 0

    def wake(self) -> None:
        self.woken += 1
        super().wake()


def _probe_router() -> Router:
    """A handler that records a department, then succeeds, fails or is refused as the text says."""
    router = Router(name="probe")

    @router.message(F.text)
    async def probe(message: TelegramMessage, session: AsyncSession, staff: Staff | None, replies) -> None:
        session.add(Department(key=message.text, name=staff.name if staff else "nobody"))
        replies.answer(message, "done")
        if message.text == "fail":
            raise RuntimeError("the handler failed")
        if message.text == "refused":
            raise Refused("alert-already-closed", number=7)

    return router


@pytest.fixture
async def probe(engine):
    sessions = session_factory(engine)
    await seed(sessions)
    async with FakeTelegram() as fake, aiogram_bot(fake) as bot:
        fake.add_user(SAM, "Sam")
        fake.add_user(STRANGER, "Stranger")
        sender = CountingSender(bot, sessions, PacedClock(START))
        dp = Dispatcher(sessions=sessions, sender=sender, texts=EN)
        dp.message.middleware(Transaction())
        dp.include_router(_probe_router())
        async with running(dp, bot, sender, fake):
            yield fake, sessions, sender


async def _departments(sessions) -> dict[str, str]:
    async with sessions() as s:
        return {key: name for key, name in await s.execute(select(Department.key, Department.name))}


async def test_commits_when_the_handler_returns_then_wakes_the_sender_then_replies(probe):
    fake, sessions, waker = probe
    fake.user_message(SAM, "ok")
    await fake.wait_for_bot_message(SAM, text_contains="done")
    assert (await _departments(sessions))["ok"] == "Sam Specialist"  # `staff` is the sender's Staff row
    assert waker.woken == 1
    fake.user_message(STRANGER, "stranger")
    await fake.wait_for_bot_message(STRANGER, text_contains="done")
    assert (await _departments(sessions))["stranger"] == "nobody"


async def test_a_failing_handler_changes_nothing_and_says_nothing(probe):
    fake, sessions, _ = probe
    fake.user_message(SAM, "fail")
    fake.user_message(SAM, "after")
    await fake.wait_for_bot_message(SAM, text_contains="done")
    assert "fail" not in await _departments(sessions)
    assert [m.text for m in fake.bot_messages(SAM)] == ["done"]  # the reply of "fail" was never sent


async def test_a_refusal_rolls_back_and_answers_with_its_text(probe):
    fake, sessions, _ = probe
    fake.user_message(SAM, "refused")
    refusal = await fake.wait_for_bot_message(SAM, text_contains="already closed")
    assert refusal.text == "Ticket #7 is already closed."
    assert "refused" not in await _departments(sessions)
