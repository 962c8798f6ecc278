"""The demo, started and stopped as one: the Bot API stand-in with the desk's people, the mail
server, deskbot's service and the page. The language switch restarts the service alone (the
chats and the mailbox stay, as they would for a desk that changed `telegram.language`).
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import web

from deskbot.app import service
from deskbot.demo import api as demo_api, letters
from deskbot.demo.botapi import FakeTelegram, WaitTimeout
from deskbot.demo.folder import fresh_folder
from deskbot.demo.live import Live
from deskbot.demo.mailbox import Mailbox
from deskbot.demo.people import (
    CUSTOMER_ADDRESS, CUSTOMER_NAME, DISPATCH_CHAT, DISPATCH_TITLE, NAG_EVERY, STAFF, config_text, person,
)
from deskbot.demo.snapshot import snapshot
from deskbot.dispatch.config import load_config
from deskbot.dispatch.pipe_intake import PipeIntake

log = logging.getLogger("deskbot.demo")
ANSWER_WAIT = 5.0  # seconds: a tap's answer comes in well under one; a busy machine gets more


class Demo:
    def __init__(self, folder: Path, *, port: int = 0, lang: str = "en", nag_every: str = NAG_EVERY) -> None:
        self.folder = folder.resolve()
        self.nag_every = nag_every
        self.port = port
        self.lang = lang
        self.fake = FakeTelegram(bot_username="deskbot_demo_bot", bot_name="Deskbot")
        self.mailbox = Mailbox(CUSTOMER_ADDRESS)
        self.live = Live(self.fake, lambda: snapshot(self.fake, self.mailbox, self.lang))
        self.mailbox.on_change = self.live.poke
        self._web: web.AppRunner | None = None
        self._service: asyncio.Task | None = None
        self._service_stop = asyncio.Event()
        self._intake: PipeIntake | None = None  # the pipe intake of the running service
        self._switching = asyncio.Lock()  # the language switch, and mail waiting for the service

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}/"

    async def __aenter__(self) -> Demo:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        fresh_folder(self.folder)
        # The page's port first: a port in use is told before the service starts.
        self._web = web.AppRunner(demo_api.application(self), access_log=None, shutdown_timeout=1.0)
        await self._web.setup()
        await web.TCPSite(self._web, "127.0.0.1", self.port).start()
        self.port = self._web.addresses[0][1]
        await self.fake.start()
        for p in STAFF:
            self.fake.add_user(p.user_id, p.first_name, last_name=p.last_name, language_code=self.lang)
        self.fake.add_group(DISPATCH_CHAT, DISPATCH_TITLE, members=[p.user_id for p in STAFF])
        await self.mailbox.start()
        await self._start_service()
        self.live.start()

    async def stop(self) -> None:
        if self._web is not None:
            await self._web.cleanup()
        await self.live.stop()
        await self._stop_service()
        await self.mailbox.stop()
        await self.fake.stop()

    # -- the service ------------------------------------------------------------------------

    async def _start_service(self) -> None:
        path = self.folder / "config.toml"
        path.write_text(config_text(self.folder, smtp_port=self.mailbox.port, botapi_url=self.fake.url,
                                    token=self.fake.token, language=self.lang, nag_every=self.nag_every),
                        encoding="utf-8")
        config = load_config(path, environ={})  # the environment's DESKBOT_* belong to a real desk
        ready: asyncio.Future[PipeIntake] = asyncio.get_running_loop().create_future()
        self._service_stop = asyncio.Event()
        self._service = asyncio.create_task(self._serve(config, ready), name="demo: deskbot's service")
        self._intake = await ready

    async def _serve(self, config, ready: asyncio.Future) -> None:
        """`deskbot run` itself, in this process: mail comes in through its pipe intake (mailbox.mode "pipe")."""
        try:
            await service.run(config, stop=self._service_stop, pipe_ready=ready.set_result)
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            else:
                log.exception("demo: deskbot's service stopped")
            raise
        if not ready.done():  # it ended before it took mail
            ready.set_exception(RuntimeError("deskbot's service stopped before it took mail"))

    async def _stop_service(self) -> None:
        if self._service is not None:
            self._service_stop.set()
            await asyncio.gather(self._service, return_exceptions=True)
            self._service, self._intake = None, None

    async def set_lang(self, lang: str) -> None:
        async with self._switching:
            if lang == self.lang and self._service is not None:
                return
            await self._stop_service()
            self.lang = lang
            await self._start_service()
        self.live.poke()

    # -- what the page does -----------------------------------------------------------------

    async def press(self, chat_id: int, user_id: int, message_id: int, data: str) -> dict | None:
        """The tap, and the bot's answer to it (the toast or alert Telegram shows), when it comes in time."""
        _check_person(chat_id, user_id)
        query = self.fake.press_button(user_id, chat_id, message_id, callback_data=data)
        try:
            answer = await self.fake.wait_for(lambda: self.fake.callback_answer(query), timeout=ANSWER_WAIT)
        except WaitTimeout:  # the page still sees what the tap changed, in the state
            return None
        return {"text": answer.text, "show_alert": answer.show_alert}

    async def say(self, chat_id: int, user_id: int, text: str, reply_to: int | None) -> None:
        _check_person(chat_id, user_id)
        self.fake.user_message(user_id, text, chat_id=chat_id, reply_to=reply_to)

    async def customer_mail(self, subject: str, text: str, in_reply_to: str | None) -> None:
        answers = None
        if in_reply_to is not None:
            found = self.mailbox.find(in_reply_to)
            if found is None:
                raise demo_api.Refused(f"no mail {in_reply_to} in the mailbox")
            answers = found.message
        raw = letters.compose((CUSTOMER_NAME, CUSTOMER_ADDRESS), subject, text, answers=answers)
        self.mailbox.keep("out", raw)
        await self.hand_in(raw)

    async def burst(self, count: int = 50) -> None:
        """A busy morning: the new mails land together, the replies to some of them just after."""
        new, replies = letters.burst(count)
        await self.hand_in(*new)
        await self.hand_in(*replies)

    async def hand_in(self, *raws: bytes) -> None:
        async with self._switching:  # not into a service that is restarting
            if self._intake is None:
                raise demo_api.Refused("deskbot's service is not running")
            await self._intake.hand_in_together(list(raws))  # one transaction: a burst makes a digest


def _check_person(chat_id: int, user_id: int) -> None:
    if person(user_id) is None:
        raise demo_api.Refused(f"user {user_id} is not on the demo's staff")
    if chat_id != DISPATCH_CHAT and chat_id != user_id:
        raise demo_api.Refused("a person acts in the dispatcher chat or in their own private chat")
