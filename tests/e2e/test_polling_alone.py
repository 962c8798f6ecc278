"""Long polling is for one instance: a second `deskbot run` polling with the same token on the same
PostgreSQL database is refused with one clear line; another consumer of getUpdates (409 Conflict)
is told in one line, not two per attempt forever."""
from __future__ import annotations

import asyncio
import logging

import pytest
from aiogram.exceptions import TelegramConflictError

from deskbot.app import service
from deskbot.demo.botapi import FakeTelegram
from deskbot.dispatch.config import load_config
from harness.databases import drop_pg_database
from harness.desk import dispatch_sections, write_config
from harness.mails import eventually
from harness.service_run import DANA, DISPATCHERS, deskbot, deskbot_process
from harness.telegram import aiogram_bot

pytestmark = pytest.mark.dovecot


@pytest.mark.postgres
async def test_a_second_polling_instance_is_refused_with_one_clear_line(tmp_path, dovecot, migrated_templates):
    db_url = await migrated_templates.pg_copy()
    try:
        async with FakeTelegram() as fake:
            config = write_config(tmp_path / "config.toml", dovecot, db_url)
            config.write_text(config.read_text() + dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA, "1h"))
            async with deskbot_process(config, fake, tmp_path / "first.log"):
                second = await asyncio.to_thread(deskbot, "run", "-c", str(config), cwd=tmp_path, timeout=90)
        assert second.returncode == 2, second.stderr
        [line] = [line for line in second.stderr.splitlines() if "ERROR" in line]
        assert "another deskbot instance already long-polls Telegram for bot 123456789" in line
        assert 'set [telegram] mode = "webhook"' in line
        assert "Traceback" not in second.stderr
    finally:
        await drop_pg_database(db_url.rpartition("/")[2])


async def test_another_consumer_of_updates_is_told_once(tmp_path, dovecot, caplog):
    caplog.set_level(logging.INFO)
    async with FakeTelegram() as fake, aiogram_bot(fake) as rival:
        path = write_config(tmp_path / "config.toml", dovecot, f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}")
        path.write_text(path.read_text() + dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA, "1h"))
        stop = asyncio.Event()
        run = asyncio.create_task(service.run(load_config(path, environ={}), stop=stop))
        try:
            await fake.wait_for(lambda: fake.calls("getUpdates"), timeout=30, what="the service polling")
            while len([c for c in fake.calls("getUpdates") if c.status == 409]) < 6:  # each ends the other's poll
                try:
                    await rival.get_updates(timeout=1)
                except TelegramConflictError:
                    pass
            told = [r for r in caplog.records if "refuses our long polling (409 Conflict" in r.getMessage()]
            assert len(told) == 1 and "Conflict: terminated by other getUpdates request" in told[0].getMessage()
            await eventually(lambda: "long polling works again" in caplog.text, timeout=30,
                             what="polling back once the rival stopped")
        finally:
            stop.set()
            await asyncio.wait_for(run, 30)
    assert not [r for r in caplog.records if r.name == "aiogram.dispatcher" and "Failed to fetch" in r.getMessage()]
