"""The service stops in order: work under way (a Telegram update, a sweep's pass) ends before the
database is closed: it finishes, or it is cancelled and rolled back. aiogram's polling handles
each update in a task of its own and stop_polling does not wait for them; APScheduler's
shutdown(wait=False) does not wait for a pass either. Work that went on after the engine was
disposed left an aiosqlite connection open (a ResourceWarning, in whichever test came next)."""
from __future__ import annotations

import asyncio
import socket

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from deskbot.app import service
from deskbot.bot import middleware
from deskbot.demo.botapi import FakeTelegram
from deskbot.dispatch import background, web_access
from deskbot.dispatch.config import load_config
from harness.desk import dispatch_sections

DISPATCHERS, DANA = -1001, 1001


class Stuck:
    """Wraps a function that gets a session: does its work, then hangs (Telegram or the database slow)."""

    def __init__(self, real) -> None:
        self.real, self.tasks = real, []
        self.entered, self._never = asyncio.Event(), asyncio.Event()

    async def __call__(self, session, *args):
        result = await self.real(session, *args)  # the session has its connection now
        self.tasks.append(asyncio.current_task())
        self.entered.set()
        await self._never.wait()
        return result


def watch_dispose(monkeypatch, stuck: Stuck) -> list[bool]:
    """For each engine disposed from now on: whether the stuck work had ended by then."""
    ended: list[bool] = []
    real = AsyncEngine.dispose

    async def dispose(engine, *args, **kwargs):
        ended.append(all(task.done() for task in stuck.tasks))
        await real(engine, *args, **kwargs)
    monkeypatch.setattr(AsyncEngine, "dispose", dispose)
    return ended


def pipe_desk(tmp_path, extra: str):
    """A desk that takes piped mail only (no IMAP server needed)."""
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "desk.sqlite3"}"\n'
                    f'[mailbox]\nmode = "pipe"\nusername = "support@example.com"\n'
                    f'attachments_dir = "{tmp_path / "attachments"}"\n' + extra)
    return load_config(path, environ={})


async def stopped_while_stuck(config, stuck: Stuck, monkeypatch) -> None:
    """Run the service until `stuck` hangs, stop it, and check that the stuck work ended (here:
    cancelled after the grace, rolled back) before the service disposed of its engine."""
    disposed = watch_dispose(monkeypatch, stuck)
    stop = asyncio.Event()
    run = asyncio.create_task(service.run(config, stop=stop))
    try:
        waiting = asyncio.create_task(stuck.entered.wait())
        await asyncio.wait({run, waiting}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        assert stuck.entered.is_set(), run  # else the service failed to start, or never got there
        stop.set()
        async with asyncio.timeout(60):
            await run
        assert disposed and all(disposed), "the database was closed while work was still under way"
    finally:
        stop.set()
        for task in stuck.tasks:
            task.cancel()
        await asyncio.gather(run, *stuck.tasks, return_exceptions=True)


async def test_an_update_under_way_is_ended_before_the_database_closes(tmp_path, monkeypatch):
    monkeypatch.setattr(background, "SHUTDOWN_GRACE", 1.0)  # the stuck work is cancelled after it
    stuck = Stuck(middleware.staff_by_telegram)  # the first read of every update's transaction
    monkeypatch.setattr(middleware, "staff_by_telegram", stuck)
    async with FakeTelegram() as fake:
        fake.add_user(DANA, "Dana")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        fake.user_command(DANA, "queue")
        await stopped_while_stuck(pipe_desk(tmp_path, dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA,
                                                                        "1h")), stuck, monkeypatch)


async def test_a_sweep_under_way_is_ended_before_the_database_closes(tmp_path, monkeypatch):
    monkeypatch.setattr(background, "SHUTDOWN_GRACE", 1.0)
    async def read(session, now):  # a read: a write would hold SQLite's lock against the web face's start
        await session.execute(select(1))
    stuck = Stuck(read)  # in place of the web face's leftovers sweep: a pass runs as the service starts
    monkeypatch.setattr(web_access, "sweep", stuck)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await stopped_while_stuck(pipe_desk(tmp_path, f'[web]\nlisten = "127.0.0.1:{port}"\n'), stuck, monkeypatch)
