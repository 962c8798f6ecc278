"""Staff sign in to the web pages with the one-time link that /web gives them in Telegram."""
import re
from datetime import timedelta

from deskbot.bot.app import build_dispatcher
from deskbot.bot.delivery import TelegramSender
from deskbot.demo.botapi import FakeTelegram
from deskbot.dispatch import web_access
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.storage.db import session_factory
from deskbot.storage.models import Staff
from harness.bot_desk import DINA, DISPATCHERS, EN, STRANGER, PacedClock, START, running, seed
from harness.telegram import aiogram_bot
from harness.web import csrf_of, open_browser, web_config

_LINK = re.compile(r"http://desk\.example(/staff/sign-in/[A-Za-z0-9_-]+)")


def _config(listen: str = "127.0.0.1:8080") -> Config:
    return Config.model_validate({
        "mailbox": {"host": "imap.test", "username": "support@desk.test"},
        "telegram": {"dispatcher_chat_id": DISPATCHERS, "language": "en"},
        "web": {"listen": listen, "base_url": "http://desk.example"},
    })


async def test_the_web_link_signs_a_staff_member_in_once_and_only_once(engine):
    sessions, clock = session_factory(engine), PacedClock(START)
    await seed(sessions)
    config = _config()
    async with FakeTelegram(clock=clock.timestamp) as fake, aiogram_bot(fake) as bot:
        fake.add_user(DINA, "Dina")
        fake.add_user(STRANGER, "Stranger")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DINA])
        sender = TelegramSender(bot, sessions, clock)
        async with running(build_dispatcher(config, sessions, clock, sender, EN), bot, sender, fake):
            fake.user_command(DINA, "web")
            message = await fake.wait_for_bot_message(DINA, text_contains="/staff/sign-in/")
            fake.user_command(STRANGER, "web")
            refused = await fake.wait_for_bot_message(STRANGER)
            fake.user_command(DINA, "web", chat_id=DISPATCHERS)  # a link in a group would be anyone's
            fake.user_command(DINA, "start")
            await fake.wait_for_bot_message(DINA, count=2)
    assert "/staff/sign-in/" not in refused.text
    assert not any("/staff/sign-in/" in m.text for m in fake.bot_messages(DISPATCHERS))
    path = _LINK.search(message.text).group(1)

    browser = await open_browser(config, sessions, clock)
    other = await open_browser(config, sessions, clock)
    try:
        confirm = await browser.page(path)  # opening the link (a preview, a scanner) signs nobody in
        assert "Sign in" in confirm
        await browser.page("/staff", status=401)
        signed = await browser.client.post(path, data={"csrf": csrf_of(confirm)}, allow_redirects=False)
        assert signed.status == 303 and signed.headers["Location"] == "/staff"
        staff_page = await browser.page("/staff")
        assert "Dina Dispatcher" in staff_page and "dispatcher" in staff_page
        assert (await browser.client.get("/tickets", allow_redirects=False)).headers["Location"] == "/staff"
        assert "Max-Age=43200" in signed.headers["Set-Cookie"]  # staff: 12 hours

        await other.page(path, status=410)  # used: gone, for anyone
        again = await other.client.post(path, data={"csrf": csrf_of(await other.page("/login"))},
                                        allow_redirects=False)
        assert again.status == 410
        await other.page("/staff", status=401)
    finally:
        await browser.client.close()
        await other.client.close()


async def test_a_late_or_unknown_link_signs_nobody_in(engine):
    sessions, clock = session_factory(engine), FrozenClock(START)
    await seed(sessions)
    async with sessions.begin() as s:
        dina = await s.get(Staff, DINA - 1000)
        token = await web_access.issue_link(s, dina, clock.now())
    clock.advance(timedelta(minutes=10, seconds=1))
    browser = await open_browser(web_config(), sessions, clock)
    try:
        await browser.page(f"/staff/sign-in/{token}", status=410)
        page = await browser.page("/login")  # the visitor's CSRF token, on any form
        late = await browser.client.post(f"/staff/sign-in/{token}", data={"csrf": csrf_of(page)}, allow_redirects=False)
        assert late.status == 410
        unknown = await browser.client.post("/staff/sign-in/nonsense", data={"csrf": csrf_of(page)},
                                            allow_redirects=False)
        assert unknown.status == 410
        await browser.page("/staff", status=401)
    finally:
        await browser.client.close()


async def test_web_off_says_so(engine):
    sessions, clock = session_factory(engine), PacedClock(START)
    await seed(sessions)
    async with FakeTelegram(clock=clock.timestamp) as fake, aiogram_bot(fake) as bot:
        fake.add_user(DINA, "Dina")
        sender = TelegramSender(bot, sessions, clock)
        async with running(build_dispatcher(_config(listen=""), sessions, clock, sender, EN), bot, sender, fake):
            fake.user_command(DINA, "web")
            message = await fake.wait_for_bot_message(DINA)
    assert "turned off" in message.text
