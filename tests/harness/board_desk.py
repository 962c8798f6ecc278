"""`deskbot run` with its web face, mail from the pipe and the fake Telegram, for the board's browser test.

The fake Telegram and the process are driven from a thread with its own event loop: Playwright's
sync API, which the browser tests use, must not run inside one. The methods block until done.
"""
from __future__ import annotations

import asyncio
import re
import socket
import threading
from contextlib import AsyncExitStack
from pathlib import Path

from deskbot.demo.botapi import FakeTelegram
from harness.desk import dispatch_sections
from harness.mails import eventually, make_mail
from harness.pipe import ingest, pipe_config
from harness.service_run import deskbot_process

DISPATCHERS, DANA, SAM = -1001, 1001, 1003


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BoardDesk:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.url = f"http://127.0.0.1:{_free_port()}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stack = AsyncExitStack()

    def start(self) -> "BoardDesk":
        self._thread.start()
        try:
            self._call(self._start(), 150)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        try:
            self._call(self._stack.aclose(), 60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    def mail(self, subject: str) -> int:
        """A customer's mail through `deskbot ingest`; the message id of its card in the dispatcher chat."""
        return self._call(self._mail(subject), 120)

    def sign_in_link(self, user: int) -> str:
        """What /web answers `user` in a private chat: the path of the one-time link."""
        return self._call(self._link(user), 60)

    def card_shows(self, message_id: int, text: str, timeout: float = 30) -> str:
        """The dispatcher chat's card, once it shows `text`."""
        return self._call(self.fake.wait_for(lambda: text in self.fake.message(DISPATCHERS, message_id).text and
                                             self.fake.message(DISPATCHERS, message_id).text,
                                             timeout, f"the card showing {text!r}"), timeout + 5)

    def private_card(self, user: int, text: str) -> str:
        return self._call(self.fake.wait_for_bot_message(user, text_contains=text, timeout=30), 35).text

    def _call(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _start(self) -> None:
        self.fake = await self._stack.enter_async_context(FakeTelegram())
        self.fake.add_user(DANA, "Dana")
        self.fake.add_user(SAM, "Sam")
        self.fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA, SAM])
        db_url = f"sqlite+aiosqlite:///{self.folder / 'desk.sqlite3'}"
        extra = dispatch_sections(self.fake.token, self.fake.url, DISPATCHERS, DANA, "1h", specialist_id=SAM)
        extra += f'\n[web]\nlisten = "{self.url[len("http://"):]}"\nbase_url = "{self.url}"\n'
        self.config = pipe_config(self.folder / "config.toml", db_url, extra=extra)
        process = await self._stack.enter_async_context(
            deskbot_process(self.config, self.fake, self.folder / "deskbot.log"))
        await eventually(lambda: (self.folder / "ingest.sock").is_socket() or process.returncode is not None,
                         timeout=60, what="the pipe's socket")
        assert process.returncode is None

    async def _mail(self, subject: str) -> int:
        ran = await ingest(self.config, make_mail(subject, sender="Kim Park <kim@acme.example>"))
        assert ran.code == 0, ran.stderr
        card = await self.fake.wait_for_bot_message(DISPATCHERS, text_contains=subject, timeout=60)
        return card.message_id

    async def _link(self, user: int) -> str:
        before = len(self.fake.bot_messages(user))
        self.fake.user_command(user, "web")
        message = await self.fake.wait_for_bot_message(user, count=before + 1, timeout=30)
        found = re.search(r"https?://[^/\s]+(/staff/sign-in/[A-Za-z0-9_-]+)", message.text)
        assert found, message.text
        return found.group(1)
