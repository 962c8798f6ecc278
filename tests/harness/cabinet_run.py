"""`deskbot run` with its web face on loopback, its mail going to an SMTP sink and its Telegram to the
fake Bot API, over a desk seeded through the product's own use cases: Acme's contract (Olga is its
client manager, Maria its manager in Telegram), three tickets from mail (one answered and closed
with time), and this month's report, sent by Maria. For the browser tests: everything async runs
in a thread with its own event loop, since Playwright's sync API must not run inside one.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import re
import socket
import threading
from contextlib import AsyncExitStack
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

from deskbot.app.database import prepare_database
from deskbot.bot.render.texts import Texts
from deskbot.demo.botapi import FakeTelegram
from deskbot.dispatch import answers, contracts, reports, tickets
from deskbot.dispatch.clock import SystemClock
from deskbot.dispatch.config import load_config
from deskbot.dispatch.pipe_intake import parse_here, parse_options, pipe_intake
from deskbot.dispatch.staff import sync_staff
from deskbot.storage.db import session_factory
from deskbot.storage.models import Organization, Staff
from harness.mails import eventually
from harness.service_run import deskbot_process
from harness.smtp import SmtpSink, smtp_section

DISPATCHERS, DANA, MARIA = -1001, 1001, 1006
OLGA, IGOR = "olga@acme.example", "igor@acme.example"  # Olga: Acme's client manager
DESK = "support@desk.example"
ANSWERED, WAITING, OTHER = "Printer on floor 2 jams", "New laptop for Igor", "VPN drops every hour"
ANSWER = "We replaced the roller: it prints again."


class CabinetDesk:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sink = SmtpSink()
        self._url = ""
        self.numbers: dict[str, int] = {}  # subject -> ticket number
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stack = AsyncExitStack()

    def start(self) -> CabinetDesk:
        """Starts the desk and returns at once: `url` waits for it (the browser starts meanwhile)."""
        self.sink.start()
        self._thread.start()
        self._started = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        return self

    @property
    def url(self) -> str:
        self._started.result(180)  # `deskbot run` takes tens of seconds to start on 2 loaded cores
        return self._url

    def stop(self) -> None:
        try:
            concurrent.futures.wait([self._started], timeout=180)
            self._call(self._stack.aclose(), timeout=60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
            self.sink.stop()

    def code_mailed_to(self, email: str, after: int = 0) -> str:
        """The six-digit code of the first log-in mail to `email` among the sink's mails from `after` on."""
        def code():
            for got in self.sink.received[after:]:
                mail = got.message
                if email in got.rcpt_to and "log-in code" in mail["Subject"]:
                    return re.search(r"\b(\d{6})\b", mail.get_body(("plain",)).get_content()).group(1)
            return None
        return self._call(eventually(code, timeout=30, what=f"a log-in code mailed to {email}"))

    def told_manager(self, text: str) -> str:
        """The text of the bot's message to Maria that contains `text`, once it is there."""
        return self._call(self.fake.wait_for_bot_message(MARIA, text_contains=text, timeout=30)).text

    def manager_taps(self, text: str, button: str) -> str:
        """Maria taps `button` under the bot's message that contains `text`; what the bot answers her."""
        async def tap():
            told = await self.fake.wait_for_bot_message(MARIA, text_contains=text, timeout=30)
            query = self.fake.press_button(MARIA, MARIA, told.message_id, text=button)
            return await self.fake.wait_for(lambda: self.fake.callback_answer(query), timeout=30,
                                            what=f"the answer to {button!r}")
        return self._call(tap()).text

    def _call(self, coroutine, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _start(self) -> None:
        self.fake = await self._stack.enter_async_context(FakeTelegram())
        self.fake.add_user(DANA, "Dana")
        self.fake.add_user(MARIA, "Maria")
        self.fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        port = _free_port()
        path = self.folder / "config.toml"
        path.write_text(_config(self.folder, port, self.fake) + smtp_section(self.sink, DESK))
        config = load_config(path, environ={})
        engine = await prepare_database(config)
        self._stack.push_async_callback(engine.dispose)
        sessions = session_factory(engine)
        await self._mail_in(config, sessions)
        await self._stack.enter_async_context(deskbot_process(path, self.fake, self.folder / "deskbot.log"))
        self._url = f"http://127.0.0.1:{port}"
        await eventually(lambda: _listening(port), timeout=30, what="the web face listening")
        # The running desk acknowledges the mails first, as it would have on their arrival.
        await eventually(lambda: sum("[#" in got.message["Subject"] for got in self.sink.received) >= 3,
                         timeout=30, what="the three acknowledgements")
        await self._work(config, sessions)

    async def _mail_in(self, config, sessions) -> None:
        """The staff and Acme's contract, as `deskbot run` and `deskbot contracts add` make them; three mails."""
        clock, now = SystemClock(), datetime.now(timezone.utc)
        async with sessions.begin() as s:
            await sync_staff(s, config)
            await contracts.save(s, "acme.example", {
                "number": "SUP-7", "start": "2026-01-01", "fee": "50000", "hours": "10", "rate": "3000",
                "overage_rate": "4000", "manager": MARIA, "client_manager": OLGA, "recipients": OLGA,
                "kind": "Support subscription"}, now, name="Acme Ltd")
        intake = pipe_intake(config, sessions, clock, parse_here(parse_options(config)))
        for subject, sender, text in ((ANSWERED, OLGA, "It jams on every second page."),
                                      (OTHER, IGOR, "The VPN disconnects every hour."),
                                      (WAITING, IGOR, "Mine is seven years old.")):
            stored = await intake.hand_in(_mail(sender, subject, text))
            self.numbers[subject] = stored.ticket_id

    async def _work(self, config, sessions) -> None:
        """Dana answers and closes a ticket; Maria sends this month's report."""
        number, now = self.numbers[ANSWERED], datetime.now(timezone.utc)
        async with sessions.begin() as s:  # Dana answers and closes, as her buttons would
            dana = await s.scalar(select(Staff).where(Staff.telegram_id == DANA))
            await tickets.assign(s, number, dana, dana.id, now)
            await tickets.take(s, number, dana, now)
            await answers.answer(s, number, dana, ANSWER, config, now, team="Desk Support")
            await tickets.close(s, number, dana, 90, False, now)
        async with sessions.begin() as s:  # this month's report, made and sent by Maria
            texts, maria = Texts("en"), await s.scalar(select(Staff).where(Staff.telegram_id == MARIA))
            organization = await s.scalar(select(Organization).where(Organization.domain == "acme.example"))
            made = await reports.make(s, config, texts, organization, now.strftime("%Y-%m"), now)
            await reports.decide(s, made.report.id, maria, True, config, texts, now)


def _mail(sender: str, subject: str, text: str) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, DESK, subject
    mail["Message-ID"] = "<" + re.sub(r"\W+", ".", subject.lower()) + "@acme.example>"
    mail.set_content(text)
    return mail.as_bytes()


def _config(folder: Path, port: int, fake: FakeTelegram) -> str:
    return f"""
[database]
url = "sqlite+aiosqlite:///{folder / 'desk.sqlite3'}"

[mailbox]
mode = "pipe"
username = "{DESK}"
attachments_dir = "{folder / 'attachments'}"

[web]
listen = "127.0.0.1:{port}"

[telegram]
token = "{fake.token}"
api_server = "{fake.url}"
dispatcher_chat_id = {DISPATCHERS}
language = "en"

[[departments]]
key = "support"
name = "Support"

[[staff]]
name = "Dana"
telegram_id = {DANA}
departments = ["support"]
roles = ["dispatcher", "specialist"]

[[staff]]
name = "Maria Manager"
telegram_id = {MARIA}
roles = ["manager"]
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
