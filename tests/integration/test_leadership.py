"""Leadership by a PostgreSQL advisory lock (storage/advisory.py, app/leadership.py): one leader among
instances; the leader's session ended by the server (as when its process dies) hands the work over."""
from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest

from deskbot.app import leadership
from deskbot.app.leadership import Leadership, lock_for, mailbox_leadership
from deskbot.dispatch.config import load_config
from deskbot.storage.advisory import AdvisoryLock, lock_key
from harness.databases import POSTGRES, drop_pg_database
from harness.desk import open_desk, write_config
from harness.killed import killed_after_commit
from harness.mails import eventually, make_mail


async def lock_holders(url: str) -> list[int]:
    """The backends holding an advisory lock in this test's database."""
    name = url.rpartition("/")[2]
    conn = await asyncpg.connect(POSTGRES)
    try:
        return [r["pid"] for r in await conn.fetch(
            "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1", name)]
    finally:
        await conn.close()


async def terminate(pid: int) -> None:
    conn = await asyncpg.connect(POSTGRES)
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()


def test_a_lock_key_is_stable_and_tells_names_apart():
    assert lock_key("monthly reports") == lock_key("monthly reports") == -8695455302951592586
    assert lock_key("mailbox a@imap.test/inbox") != lock_key("mailbox b@imap.test/inbox")


def test_sqlite_has_no_lock(tmp_path):
    config = load_config(write_config(tmp_path / "c.toml", _NoDovecot(), f"sqlite+aiosqlite:///{tmp_path}/d"),
                         environ={})
    assert lock_for(config, "monthly reports") is None


async def test_on_sqlite_the_one_instance_leads_at_once():
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()
        await ended.wait()
    ended = asyncio.Event()
    lead = Leadership(None, "the test's job", job, ended.set)
    task = asyncio.create_task(lead.run())
    await asyncio.wait_for(ran.wait(), 5)
    assert lead.leading
    lead.stop()
    await asyncio.wait_for(task, 5)
    assert not lead.leading


@pytest.mark.postgres
async def test_one_lock_one_holder_until_its_session_ends(pg_url):
    first, second = AdvisoryLock(pg_url, "mailbox x"), AdvisoryLock(pg_url, "mailbox x")
    other = AdvisoryLock(pg_url, "monthly reports")
    try:
        assert await first.acquire()
        assert not await second.acquire()
        assert await other.acquire()  # another name, another lock
        assert await first.held()
        [holder] = [pid for pid in await lock_holders(pg_url)
                    if pid == await first._conn.scalar(_pid())]
        await terminate(holder)
        assert not await first.held()  # the leader sees it lost the lock
        assert await eventually(second.acquire, timeout=5, what="the lock free for the second")
        assert not await first.acquire()
    finally:
        for lock in (first, second, other):
            await lock.close()


def _pid():
    from sqlalchemy import text
    return text("SELECT pg_backend_pid()")


@pytest.mark.postgres
async def test_the_follower_takes_over_when_the_leaders_connection_is_killed(pg_url, monkeypatch):
    monkeypatch.setattr(leadership, "RETRY_EVERY", 0.1)
    monkeypatch.setattr(leadership, "CHECK_EVERY", 0.1)
    monkeypatch.setattr(leadership, "GRACE", 0.5)
    both_led = []
    leads: list[Leadership] = []

    def instance(name: str) -> Leadership:
        ended = asyncio.Event()

        async def job() -> None:
            both_led.append(all(lead.leading for lead in leads))
            ended.clear()
            await ended.wait()
        lead = Leadership(AdvisoryLock(pg_url, "monthly reports"), f"the job ({name})", job, ended.set)
        leads.append(lead)
        return lead

    a, b = instance("a"), instance("b")
    tasks = [asyncio.create_task(a.run()), asyncio.create_task(b.run())]
    try:
        await eventually(lambda: a.leading or b.leading, timeout=5, what="a leader")
        leader, follower = (a, b) if a.leading else (b, a)
        await asyncio.sleep(0)
        assert not follower.leading
        [pid] = await lock_holders(pg_url)
        await terminate(pid)
        await eventually(lambda: follower.leading, timeout=5, what="the follower leading")
        await eventually(lambda: not leader.leading, timeout=5, what="the old leader stopped")
        assert both_led == [False, False]  # nobody started the job while the other ran it
        # The old leader is a follower now: it takes over again when the new one stops.
        follower.stop()
        await eventually(lambda: leader.leading, timeout=5, what="the old leader leading again")
    finally:
        for lead in leads:
            lead.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)


@pytest.mark.postgres
@pytest.mark.dovecot
async def test_a_poller_taking_over_a_dead_leaders_mailbox_makes_no_second_ticket(tmp_path, dovecot, pg_url,
                                                                                    monkeypatch):
    monkeypatch.setattr(leadership, "RETRY_EVERY", 0.1)
    monkeypatch.setattr(leadership, "GRACE", 0.1)
    desk = await open_desk(tmp_path, dovecot, db_url=pg_url)
    try:
        uid = dovecot.append(make_mail("Stored by the leader that died"))
        killed_after_commit(desk.config.path, tmp_path)  # stored, then SIGKILLed before the \\Seen flag
        assert "\\Seen" not in dovecot.flags(uid)
        poller = desk.poller()
        lead = mailbox_leadership(desk.config, poller)
        assert lead.lock is not None
        task = asyncio.create_task(lead.run())
        try:
            await eventually(lambda: "\\Seen" in dovecot.flags(uid), timeout=15, what="the mail flagged")
            dovecot.append(make_mail("After the take-over"))
            await eventually(lambda: _count(desk, 2), timeout=15, what="the next mail stored")
        finally:
            lead.stop()
            await asyncio.wait_for(task, 15)
            await poller.close()
        assert [t.subject for t in await desk.tickets()] == ["Stored by the leader that died", "After the take-over"]
        assert await desk.raw_count() == 2
    finally:
        await desk.close()


async def _count(desk, n: int) -> bool:
    return len(await desk.tickets()) == n


class _NoDovecot:
    host, port, user, password = "127.0.0.1", 1, "support@example.test", "x"


@pytest.mark.postgres
async def test_one_instance_schedules_the_monthly_reports_catch_up_and_another_after_it(
        tmp_path, migrated_templates, monkeypatch, caplog):
    from datetime import datetime, timezone

    from deskbot.app import schedule, service
    from deskbot.bot.render.texts import Texts
    from deskbot.dispatch.clock import FrozenClock
    from deskbot.storage.db import create_engine, session_factory

    monkeypatch.setattr(leadership, "RETRY_EVERY", 0.1)
    monkeypatch.setattr(leadership, "GRACE", 0.1)
    caplog.set_level(logging.INFO, logger="deskbot.leader")
    db_url = await migrated_templates.pg_copy()
    config = load_config(write_config(tmp_path / "c.toml", _NoDovecot(), db_url), environ={})
    engine = create_engine(db_url)
    clock = FrozenClock(datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc))  # the 1st's run is past
    stops, runs, schedulers = [], [], []
    try:
        for _ in range(2):  # two instances' lifecycles on one database
            scheduler, stop = schedule.scheduler(), asyncio.Event()

            async def instance(scheduler=scheduler, stop=stop) -> None:
                async with service.lifecycle(config, session_factory(engine), clock, Texts("en"), scheduler):
                    await stop.wait()
            schedulers.append(scheduler)
            stops.append(stop)
            runs.append(asyncio.create_task(instance()))

        def caught_up() -> list[int]:
            return [n for n, s in enumerate(schedulers) if s.get_job("missed monthly reports") is not None]
        [first] = await eventually(caught_up, timeout=10, what="a leader of the monthly reports")
        await eventually(lambda: "another instance leads the monthly reports' schedule" in caplog.text,
                         timeout=10, what="the other instance finding it led")
        assert caught_up() == [first]
        assert all(s.get_job("monthly reports") is not None for s in schedulers)  # the cron everywhere, run by one
        stops[first].set()
        await asyncio.wait_for(runs[first], 10)
        await eventually(lambda: 1 - first in caught_up(), timeout=10, what="the other instance leading")
    finally:
        for stop in stops:
            stop.set()
        await asyncio.wait_for(asyncio.gather(*runs, return_exceptions=True), 10)
        await engine.dispose()
        await drop_pg_database(db_url.rpartition("/")[2])


async def test_readiness_asks_an_imap_session_only_of_the_instance_that_polls(tmp_path):
    from deskbot.app import probes

    config = load_config(write_config(tmp_path / "c.toml", _NoDovecot(), f"sqlite+aiosqlite:///{tmp_path}/d"),
                         environ={})

    class Idle:  # a poller that never connected
        connected = False
    following = [True]
    found = probes.prepare(config, None, None, Idle(), lambda: following[0])
    imap = found.readiness.checks["imap"]
    assert await imap() is None  # another instance leads the mailbox: nothing to wait for here
    following[0] = False
    assert await imap() == "no IMAP session"
    assert Leadership(None, "x").following() is False  # SQLite: this instance always polls
