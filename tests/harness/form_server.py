"""The web face with its request form on a fresh SQLite database, served on 127.0.0.1 from a thread
with its own event loop (Playwright's sync API, which the browser tests use, must not run inside one)."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from deskbot.app.database import prepare_database
from deskbot.app.web import form_intake
from deskbot.dispatch.clock import SystemClock
from deskbot.dispatch.staff import sync_staff
from deskbot.storage.db import session_factory
from deskbot.storage.models import Customer, Ticket
from deskbot.web.app import build_app
from harness.web import KEY
from harness.web_form import form_config


class FormServer:
    def __init__(self, folder: Path) -> None:
        config = form_config(str(folder / "files"))
        database = config.database.model_copy(update={"url": f"sqlite+aiosqlite:///{folder / 'deskbot.sqlite3'}"})
        self.config = config.model_copy(update={"database": database})
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> "FormServer":
        self._thread.start()
        self._call(self._start())
        return self

    def stop(self) -> None:
        self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def ticket(self, number: int) -> tuple[str, str] | None:
        """(subject, customer's address) of a stored ticket."""
        return self._call(self._ticket(number))

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30)

    async def _start(self) -> None:
        self._engine = await prepare_database(self.config)
        self._sessions = session_factory(self._engine)
        async with self._sessions.begin() as s:
            await sync_staff(s, self.config)
        clock = SystemClock()
        app = build_app(self.config, self._sessions, clock, KEY, None,
                        intake=form_intake(self.config, self._sessions, clock))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        await self._runner.cleanup()
        await self._engine.dispose()

    async def _ticket(self, number: int):
        async with self._sessions() as s:
            row = (await s.execute(select(Ticket.subject, Customer.email).join(Customer, Customer.id == Ticket.customer_id)
                                   .where(Ticket.id == number))).first()
        return tuple(row) if row else None
