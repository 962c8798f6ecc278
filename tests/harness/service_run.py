"""deskbot as its users meet it, for the e2e tests: `deskbot run` as a process (`deskbot_run`),
`service.run` in this process (`running_desk`), the command line (`deskbot`), and the people
of the fake Telegram. Time is real: every wait is on a condition, with a timeout.
"""
from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.app import schedule, service
from deskbot.dispatch.config import load_config
from deskbot.storage.db import create_engine, session_factory
from deskbot.storage.models import OutboxMessage
from harness.desk import dispatch_sections, write_config
from deskbot.demo.botapi import FakeTelegram
from harness.mails import eventually
from harness.smtp import smtp_section

DESKBOT = str(Path(sys.executable).parent / "deskbot")
DISPATCHERS, DANA, SAM, STRANGER = -1001, 1001, 1003, 4242


@dataclass
class Service:
    fake: FakeTelegram
    sessions: async_sessionmaker[AsyncSession]
    log: Path

    async def card(self, subject: str):
        return await self.fake.wait_for_bot_message(DISPATCHERS, text_contains=subject, timeout=20)

    async def press(self, user: int, chat: int, message_id: int, text: str):
        """Tap the button once it is shown, as a person does: a press is answered before the
        bot edits the message, so the previous tap's edit may still be on its way."""
        await self.fake.wait_for(lambda: any(b["text"] == text for b in self.fake.message(chat, message_id).buttons()),
                                 timeout=10, what=f"the button {text!r}")
        query = self.fake.press_button(user, chat, message_id, text=text)
        return await self.fake.wait_for(lambda: self.fake.callback_answer(query), timeout=10,
                                        what=f"the answer to {text!r}")

    async def count(self, model) -> int:
        async with self.sessions() as s:
            return await s.scalar(select(func.count()).select_from(model))

    async def outbox_settled(self) -> list[OutboxMessage]:
        """Every queued Bot API call sent (none pending): the rows."""
        async def settled():
            async with self.sessions() as s:
                rows = list(await s.scalars(select(OutboxMessage)))
            return rows if rows and all(r.status != "pending" for r in rows) else None
        return await eventually(settled, timeout=30, what="the outbox drained")


@asynccontextmanager
async def deskbot_run(tmp_path: Path, dovecot, fake: FakeTelegram, *, nag_every: str = "1h",
                      smtp=None, extra: str = "") -> AsyncIterator[Service]:
    """`extra`: more of the config (routing rules, say), appended as it is."""
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    config = write_config(tmp_path / "config.toml", dovecot, db_url)
    config.write_text(config.read_text() + dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA, nag_every,
                                                             specialist_id=SAM))
    if smtp is not None:
        config.write_text(config.read_text() + smtp_section(smtp, dovecot.user))
    config.write_text(config.read_text() + extra)
    log = tmp_path / "deskbot.log"
    engine = create_engine(db_url)
    try:
        async with deskbot_process(config, fake, log):
            yield Service(fake, session_factory(engine), log)
    finally:
        await engine.dispose()


@asynccontextmanager
async def deskbot_process(config: Path, fake: FakeTelegram, log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`deskbot run -c config` as a process in the config's folder, until SIGTERM; ready once it polls
    the fake Telegram. Its output is appended to `log` (across restarts). On the way out: exit code 0
    and no traceback."""
    started = len(fake.calls("getMe"))
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(DESKBOT, "run", "-c", str(config), cwd=config.parent,
                                                    stdout=out, stderr=out)
    try:
        # getMe opens polling (a getUpdates is only logged when its long poll ends, 10 s later);
        # the start itself takes tens of seconds on 2 loaded cores.
        await fake.wait_for(lambda: len(fake.calls("getMe")) > started, timeout=90,
                            what="deskbot starting to poll Telegram")
        yield proc
    except BaseException:
        print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
        raise
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
    text = log.read_text(errors="replace")
    assert code == 0 and "Traceback" not in text, text[-4000:]


def people(fake: FakeTelegram) -> None:
    for user, name in [(DANA, "Dana"), (SAM, "Sam"), (STRANGER, "Eve")]:
        fake.add_user(user, name)
    fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA, SAM, STRANGER])


async def assigned_to_sam(desk: Service, fake: FakeTelegram, subject: str):
    """The mail's card, assigned by Dana to Sam: Sam's private card."""
    card = await desk.card(subject)
    await desk.press(DANA, DISPATCHERS, card.message_id, "Support")
    await desk.press(DANA, DISPATCHERS, card.message_id, "Sam")
    return await fake.wait_for_bot_message(SAM, text_contains="Dana assigned you a ticket", timeout=10)


@asynccontextmanager
async def running_desk(tmp_path, dovecot, fake: FakeTelegram, *, nag_every: str):
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    path = write_config(tmp_path / "config.toml", dovecot, db_url)
    path.write_text(path.read_text() + dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA, nag_every))
    config = load_config(path, environ={})
    engine = await service.prepare_database(config)  # the schema, before the test reads it
    stop = asyncio.Event()
    run = asyncio.create_task(service.run(config, stop=stop))
    try:
        yield session_factory(engine), run
    finally:
        stop.set()
        await asyncio.wait_for(run, 30)
        await engine.dispose()


def record_schedulers(monkeypatch) -> list:
    """The schedulers the service makes from now on (one per `service.run`), so that a test can read
    their jobs and run one at once."""
    made = []
    real = schedule.scheduler

    def recorded():
        made.append(real())
        return made[-1]
    monkeypatch.setattr(schedule, "scheduler", recorded)
    return made


def deskbot(*args, cwd, env=None, timeout=60):
    return subprocess.run([DESKBOT, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
