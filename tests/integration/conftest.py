"""Fixtures of the integration tests: the running bot (`desk`) and the outbox's fake Telegram, bot and clock."""
import pytest

from deskbot.dispatch.clock import FrozenClock
from deskbot.storage.db import session_factory
from harness.bot_desk import CONFIG, running_desk
from deskbot.demo.botapi import FakeTelegram
from harness.telegram import aiogram_bot
from harness import outbox_run


@pytest.fixture
async def desk(engine):
    async with running_desk(engine, CONFIG) as ready:
        yield ready


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
