"""Fixtures of the integration tests: the running bot (`desk`) and the outbox's fake Telegram, bot and clock."""
import pytest

from deskbot.bot.app import build_dispatcher
from deskbot.bot.delivery import TelegramSender
from deskbot.dispatch.clock import FrozenClock
from deskbot.storage.db import session_factory
from harness.bot_desk import (
    CONFIG, DAN, DINA, DISPATCHERS, EN, NINA, PAT, SAM, START, STRANGER, Desk, PacedClock, recording_handled, running,
    seed,
)
from deskbot.demo.botapi import FakeTelegram
from harness.telegram import aiogram_bot
from harness import outbox_run


@pytest.fixture
async def desk(engine):
    sessions = session_factory(engine)
    await seed(sessions)
    clock = PacedClock(START)
    async with FakeTelegram(clock=clock.timestamp) as fake, aiogram_bot(fake) as bot:
        for telegram_id, name in [(DINA, "Dina"), (DAN, "Dan"), (SAM, "Sam"), (PAT, "Pat"), (NINA, "Nina"),
                                  (STRANGER, "Stranger")]:
            fake.add_user(telegram_id, name)
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DINA, DAN])
        sender = TelegramSender(bot, sessions, clock)
        dp, handled = build_dispatcher(CONFIG, sessions, clock, sender, EN), set()
        dp.callback_query.outer_middleware(recording_handled(fake, handled))
        async with running(dp, bot, sender, fake):
            yield Desk(fake, bot, sessions, clock, sender, handled)


# The outbox's tests (test_outbox, test_replied_about): virtual time shared by the fake and the sender.


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(outbox_run.START)


@pytest.fixture
async def fake(clock):
    async with FakeTelegram(clock=lambda: clock.now().timestamp()) as fake:
        fake.add_user(outbox_run.DANA, "Dana")
        fake.add_user(outbox_run.OLEG, "Oleg")
        fake.add_group(outbox_run.DISPATCHERS, "Dispatchers", members=[outbox_run.DANA, outbox_run.OLEG])
        yield fake


@pytest.fixture
async def bot(fake):
    async with aiogram_bot(fake) as bot:
        yield bot


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


# The web face (test_web_*): a seeded desk, its clock, and browsers with their own cookies.


@pytest.fixture
async def web_desk(engine):
    from harness import web

    sessions = session_factory(engine)
    seeded = await web.seed(sessions)
    clock = FrozenClock(web.START)
    browsers = []

    async def browser(config=None, wake_mail=None):
        opened = await web.open_browser(config or web.web_config(), sessions, clock, wake_mail)
        browsers.append(opened)
        return opened

    yield web.WebDesk(sessions, clock, seeded, browser)
    for opened in browsers:
        await opened.client.close()
