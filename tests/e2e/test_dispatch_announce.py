"""The real wiring, in-process: Dovecot in, the fake Telegram out, real time.

`service.run` is what `deskbot run` runs; here it gets a stop event instead of a
signal, so the test can watch the fake Telegram while the service works.
"""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from deskbot.app import service
from deskbot.dispatch.config import load_config
from deskbot.storage.db import session_factory
from deskbot.storage.models import Department, Ticket
from harness.desk import write_config
from deskbot.demo.botapi import FakeTelegram
from harness.mails import eventually, make_mail
from harness.service_run import record_schedulers, running_desk

pytestmark = pytest.mark.dovecot
DISPATCHERS, DANA = -1001, 1001


async def test_an_email_becomes_a_card_in_the_dispatcher_chat_and_is_nagged(tmp_path, dovecot):
    async with FakeTelegram() as fake:
        fake.add_user(DANA, "Dana")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        async with running_desk(tmp_path, dovecot, fake, nag_every="2s") as (sessions, run):
            dovecot.append(make_mail("VPN <down> & out", body="Since 9:00 nobody can connect.\n"))

            card = await fake.wait_for_bot_message(DISPATCHERS, text_contains="VPN <down> & out", timeout=20)
            assert card.text.startswith("#1 VPN <down> & out\nFrom: Anna Petrova <anna@client.test>\n")
            assert "Since 9:00 nobody can connect." in card.text
            async with sessions() as session:
                departments = dict((await session.execute(select(Department.key, Department.id))).all())
            assert [b["text"] for b in card.buttons()] == ["Support", "Network"]
            assert card.button_data() == [f"d1:1:{departments['support']}", f"d1:1:{departments['network']}"]

            nag = await fake.wait_for_bot_message(DISPATCHERS, text_contains="Not assigned yet", timeout=20)
            assert "#1 VPN <down> & out" in nag.text and nag.button_data() == card.button_data()

            async with sessions.begin() as session:  # assigned, as the tap handler does it
                ticket = await session.get(Ticket, 1)
                ticket.status, ticket.next_nag_at = "assigned", None
            nags_of_one = len(nags(fake, 1))

            # A second ticket's nag proves that nag sweeps ran after ticket 1 would have been due again.
            dovecot.append(make_mail("Printer jammed", sender="Bob <bob@other.test>"))
            await fake.wait_for(lambda: nags(fake, 2), timeout=20, what="a nag of ticket 2")
            assert len(nags(fake, 1)) == nags_of_one
            assert not run.done()
        assert fake.counters.too_many_requests == 0


def nags(fake: FakeTelegram, number: int) -> list:
    return [m for m in fake.bot_messages(DISPATCHERS)
            if m.text.startswith("⏰ Not assigned yet") and f"\n#{number} " in m.text]


async def test_without_a_token_the_service_only_stores_mail(tmp_path, dovecot):
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'plain.sqlite3'}"
    config = load_config(write_config(tmp_path / "config.toml", dovecot, db_url), environ={})
    engine = await service.prepare_database(config)
    stop = asyncio.Event()
    run = asyncio.create_task(service.run(config, stop=stop))
    try:
        dovecot.append(make_mail("Stored, not announced"))

        async def stored():
            async with session_factory(engine)() as session:
                return (await session.scalars(select(Ticket))).all()

        [ticket] = await eventually(stored, timeout=20, what="the ticket")
        assert ticket.announced_at is None
    finally:
        stop.set()
        await asyncio.wait_for(run, 30)
        await engine.dispose()


async def test_a_stored_ticket_wakes_the_announcer_at_once(tmp_path, dovecot, monkeypatch):
    # The periodic sweep only runs at start: a card after that comes from the ingest's wake.
    monkeypatch.setattr(service, "ANNOUNCE_EVERY", 3600.0)
    async with FakeTelegram() as fake:
        fake.add_user(DANA, "Dana")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        async with running_desk(tmp_path, dovecot, fake, nag_every="1h"):
            dovecot.append(make_mail("First"))
            await fake.wait_for_bot_message(DISPATCHERS, text_contains="First", timeout=20)
            dovecot.append(make_mail("Second"))
            await fake.wait_for_bot_message(DISPATCHERS, text_contains="Second", timeout=10)


async def test_one_scheduler_runs_every_periodic_sweep(tmp_path, dovecot, monkeypatch):
    made = record_schedulers(monkeypatch)
    async with FakeTelegram() as fake:
        fake.add_user(DANA, "Dana")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        async with running_desk(tmp_path, dovecot, fake, nag_every="1h"):
            await fake.wait_for(lambda: fake.calls("getMe"), timeout=30, what="the bot started")
            [scheduler] = made
            # The time-only sweeps join once the bot is up.
            await eventually(lambda: scheduler.get_job("hours sweep"), timeout=10, what="every sweep scheduled")
            monthly = scheduler.get_job("monthly reports")
            assert str(monthly.trigger) == "cron[day='1', hour='6', minute='0']"
            assert str(scheduler.get_job("quarantine summary").trigger) == "cron[hour='9', minute='0']"
            jobs = {job.id: job.trigger.interval.total_seconds() for job in scheduler.get_jobs()
                    if job.id not in ("monthly reports", "missed monthly reports",  # the latter: once, at start
                                      "quarantine summary")}
            assert jobs == {"imap safety poll": 30.0, "outbox sweep": service.OUTBOX_SWEEP_EVERY,
                            "announce sweep": service.ANNOUNCE_EVERY, "nag sweep": service.NAG_SWEEP_EVERY,
                            "forward sweep": service.NAG_SWEEP_EVERY,
                            "assignment sweep": service.ANNOUNCE_EVERY,
                            "autoclose sweep": service.LIFECYCLE_SWEEP_EVERY,
                            "stale sweep": service.LIFECYCLE_SWEEP_EVERY,
                            "hours sweep": service.LIFECYCLE_SWEEP_EVERY,
                            "sla sweep": service.LIFECYCLE_SWEEP_EVERY}
            dovecot.append(make_mail("Still announced"))
            await fake.wait_for_bot_message(DISPATCHERS, text_contains="Still announced", timeout=20)
