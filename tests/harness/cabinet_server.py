"""The cabinet of harness/web.py's seeded desk (with a few attachments) served on 127.0.0.1 from a thread,
for the browser tests: FormServer's loop and thread, another database content."""
from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from deskbot.app.database import prepare_database
from deskbot.app.web import form_intake
from deskbot.dispatch import web_access
from deskbot.dispatch.clock import SystemClock
from deskbot.storage.db import session_factory
from deskbot.storage.models import Attachment, Message
from deskbot.web.app import build_app
from harness.form_server import FormServer
from harness.web import KEY, Seeded, seed


class CabinetServer(FormServer):
    seeded: Seeded

    def code(self, email: str) -> str:
        """A log-in code for `email`, as the mail would carry it."""
        return self._call(self._code(email))

    async def _code(self, email: str) -> str:
        async with self._sessions.begin() as s:
            asked = await web_access.request_code(s, KEY, email, "10.9.9.9", "contract", self._clock.now())
        return asked.code

    async def _start(self) -> None:
        self._engine = await prepare_database(self.config)
        self._sessions = session_factory(self._engine)
        self.seeded = await seed(self._sessions)
        await self._attach()
        self._clock = SystemClock()
        app = build_app(self.config, self._sessions, self._clock, KEY, None,
                        intake=form_intake(self.config, self._sessions, self._clock))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def _attach(self) -> None:
        root = self.config.mailbox.attachments_dir
        async with self._sessions.begin() as s:
            message = await s.scalar(select(Message.id).where(Message.ticket_id == self.seeded.ann_open,
                                                              Message.direction == "in"))
            for name, kind, data in (("printer-photo-from-the-second-floor.jpeg", "image/jpeg", b"\xff\xd8" * 40000),
                                     ("Акт сверки за ноябрь.pdf", "application/pdf", b"%PDF-1.4\n" * 300)):
                digest = hashlib.sha256(data).hexdigest()
                folder = Path(root) / digest[:2]
                folder.mkdir(parents=True, exist_ok=True)
                (folder / digest).write_bytes(data)
                s.add(Attachment(message_id=message, filename=name, content_type=kind, size=len(data),
                                 stored_path=f"{digest[:2]}/{digest}"))
