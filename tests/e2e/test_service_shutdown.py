"""The service stops in order: a tap or a command under way ends (it finishes, or it is cancelled
and rolled back) before the database is closed. aiogram's polling handles each update in a task
of its own and its stop_polling does not wait for them; a reply recorded after the engine was
disposed left an aiosqlite connection open (a ResourceWarning in a later test)."""
from __future__ import annotations

import asyncio

from deskbot.app import service
from deskbot.bot import middleware
from deskbot.demo.botapi import FakeTelegram
from deskbot.dispatch import background
from deskbot.dispatch.config import load_config
from harness.desk import dispatch_sections

DISPATCHERS, DANA = -1001, 1001


def pipe_desk(tmp_path, fake: FakeTelegram):
    """A desk that takes piped mail only (no IMAP server needed) and talks to the fake Telegram."""
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "desk.sqlite3"}"\n'
                    f'[mailbox]\nmode = "pipe"\nusername = "support@example.com"\n'
                    f'attachments_dir = "{tmp_path / "attachments"}"\n'
                    + dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA, "1h"))
    return load_config(path, environ={})


async def test_an_update_under_way_is_ended_before_the_database_closes(tmp_path, monkeypatch):
    monkeypatch.setattr(background, "SHUTDOWN_GRACE", 1.0)  # the stuck update is cancelled after it
    handling: list[asyncio.Task] = []
    engines = []
    entered, never = asyncio.Event(), asyncio.Event()
    real = middleware.staff_by_telegram

    async def stuck(session, user_id):
        """The update's transaction has its connection; then it hangs (Telegram or the database slow)."""
        staff = await real(session, user_id)
        handling.append(asyncio.current_task())
        engines.append(session.get_bind())
        entered.set()
        await never.wait()
        return staff

    monkeypatch.setattr(middleware, "staff_by_telegram", stuck)
    async with FakeTelegram() as fake:
        fake.add_user(DANA, "Dana")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        stop = asyncio.Event()
        run = asyncio.create_task(service.run(pipe_desk(tmp_path, fake), stop=stop))
        try:
            fake.user_command(DANA, "queue")
            waiting = asyncio.create_task(entered.wait())
            await asyncio.wait({run, waiting}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            assert entered.is_set(), run  # else the service failed to start, or never got the update
            stop.set()
            async with asyncio.timeout(60):
                await run
            assert handling[0].done(), "the service stopped while an update was still being handled"
            assert engines[0].pool.checkedout() == 0  # its connection closed, not left to the garbage collector
        finally:
            stop.set()
            for task in handling:
                task.cancel()
            await asyncio.gather(run, *handling, return_exceptions=True)
