"""pytest helpers for tests that talk to the fake through a real aiogram Bot.

Import the fixtures into a test module or a conftest::

    from harness.telegram import fake_telegram, telegram_bot  # noqa: F401
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import pytest

from deskbot.demo.botapi import FakeTelegram


class ManualClock:
    """A clock for ``FakeTelegram(clock=...)``: rate limits, outage durations and
    callback query age follow it, so tests move time instead of sleeping."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@asynccontextmanager
async def aiogram_bot(fake: FakeTelegram, *, parse_mode: str | None = "HTML", **kwargs: Any) -> AsyncIterator[Any]:
    """A real aiogram Bot pointed at the fake; its HTTP session is closed on exit."""
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession

    bot = Bot(fake.token, session=AiohttpSession(api=fake.api_server()),
              default=DefaultBotProperties(parse_mode=parse_mode), **kwargs)
    try:
        yield bot
    finally:
        await bot.session.close()


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def telegram_bot(fake_telegram: FakeTelegram) -> AsyncIterator[Any]:
    async with aiogram_bot(fake_telegram) as bot:
        yield bot
