"""Two `deskbot run` on one PostgreSQL database, Telegram in webhook mode behind a round-robin load
balancer, prompts in Redis: a burst of mail with the poller's leader SIGKILLed in the middle.

Proves: every mail one ticket; every announcement of the dispatcher chat sent once; a prompt started
through one instance is answered through the other (also after the first died); the survivor takes
the mailbox over and ingests the rest.
"""
from __future__ import annotations

import asyncio
import random
import time

import pytest
from sqlalchemy import func, select, text

from deskbot.demo.botapi import FakeTelegram
from deskbot.storage.db import create_engine, session_factory
from deskbot.storage.models import RawMail, Ticket
from harness.balancer import RoundRobin
from harness.cluster import Instance, forget_prompts, redis_url, print_logs, stop_all, tapped, typed
from harness.mails import eventually, make_mail
from harness.service_run import DISPATCHERS, SAM, Service, assigned_to_sam, people

pytestmark = [pytest.mark.dovecot, pytest.mark.postgres]
REDIS = redis_url()
LEADS_MAILBOX = "now leads the IMAP poller"
# Two halves, each more than the dispatcher chat's cards in a minute: each is listed in a digest.
HALF = 16
BURST = [f"Burst {n:02d}" for n in range(1, 2 * HALF + 1)]


async def test_two_instances_share_the_work_and_survive_the_pollers_leader_dying(
        tmp_path, dovecot, smtp_sink, pg_url):
    bot_id = random.randint(10**9, 2 * 10**9)  # the FSM's Redis keys carry it: this test's own
    db_url = pg_url  # empty: the two, started at once, make its schema and sync the staff one at a time
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    a, b = Instance("A", tmp_path / "a"), Instance("B", tmp_path / "b")
    try:
        async with FakeTelegram(token=f"{bot_id}:AAClusterTestTokenForDeskbot_x1") as fake, \
                RoundRobin([a.listen, b.listen]) as balancer:
            people(fake)
            for instance in (a, b):
                instance.write_config(dovecot, db_url, fake, smtp_sink, f"{balancer.url}/telegram", REDIS)
            try:
                await asyncio.gather(a.start(), b.start())
                await eventually(lambda: LEADS_MAILBOX in a.text() + b.text(), timeout=30,
                                 what="a leader of the mailbox")
                leader, survivor = (a, b) if LEADS_MAILBOX in a.text() else (b, a)
                desk = Service(fake, sessions, leader.log)

                # A prompt started through one instance, answered through the other.
                dovecot.append(make_mail("Printer down", message_id="<p1@client.test>"))
                private = await assigned_to_sam(desk, fake, "Printer down")
                tap = await tapped(fake, SAM, SAM, private.message_id, "Answer")
                await fake.wait_for_bot_message(SAM, text_contains="Type your answer", timeout=20)
                text = await typed(fake, SAM, "We replaced the toner.")
                await fake.wait_for_bot_message(SAM, text_contains="was delivered to anna@client.test", timeout=20)
                assert balancer.backend_of(tap) != balancer.backend_of(text)

                # Sam is asked the time spent by the leader, which then dies mid-burst.
                balancer.pin(leader.listen)
                assert balancer.backend_of(await tapped(fake, SAM, SAM, private.message_id, "Close")) == leader.listen
                dovecot.append_many([make_mail(s, sender=f"C{n} <c{n}@client{n}.test>")
                                     for n, s in enumerate(BURST[:HALF])])
                await eventually(lambda: _tickets(sessions, 1 + HALF), timeout=20, what="the first half stored")
                # Telegram down for the moment of the kill: no call of the dying instance can have been
                # taken and not recorded (the outbox's one-row window, dispatch/drain.py).
                fake.fail(kind="bad_gateway", seconds=30)
                await eventually(lambda: _no_row_in_flight(sessions), timeout=20, what="no outbox row in flight")
                leader.kill()
                killed_at = time.monotonic()
                await leader.proc.wait()
                fake.clear_faults()
                dovecot.append_many([make_mail(s, sender=f"C{n} <c{n}@client{n}.test>")
                                     for n, s in enumerate(BURST[HALF:], start=HALF)])

                text = await typed(fake, SAM, "25m")  # to the survivor: the dead one's question is in Redis
                await fake.wait_for_bot_message(SAM, text_contains="#1 closed, 25 min recorded", timeout=20)
                assert balancer.backend_of(text) == survivor.listen

                await survivor.says(LEADS_MAILBOX, timeout=30)
                print(f"take-over of the mailbox: {time.monotonic() - killed_at:.1f} s after SIGKILL")
                await eventually(lambda: _tickets(sessions, 1 + 2 * HALF), timeout=30, what="every mail a ticket")
                for subject in BURST:
                    await fake.wait_for_bot_message(DISPATCHERS, text_contains=subject, timeout=30)
                await desk.outbox_settled()
            except BaseException:
                print_logs([a, b])
                raise
            finally:
                codes = await stop_all([a, b])

            async with sessions() as s:
                subjects = list(await s.scalars(select(Ticket.subject).order_by(Ticket.id)))
                raws = await s.scalar(select(func.count()).select_from(RawMail))
                closed = await s.get(Ticket, 1)
            assert sorted(subjects) == sorted(["Printer down", *BURST]) and raws == 1 + 2 * HALF  # each mail once
            assert (closed.status, closed.time_spent_minutes) == ("closed", 25)
            for subject in BURST:  # each ticket announced by exactly one message, sent exactly once
                sent = [c for c in fake.calls("sendMessage") if c.status == 200
                        and str(c.params.get("chat_id")) == str(DISPATCHERS) and subject in c.params.get("text", "")]
                assert len(sent) == 1, (subject, [c.params.get("text") for c in sent])
            assert codes[survivor.name] == 0 and "Traceback" not in survivor.text(), survivor.tail()
            assert "handing over the IMAP poller" in survivor.text()  # its clean stop said so
    finally:
        await engine.dispose()
        await forget_prompts(REDIS, bot_id)


async def _tickets(sessions, count: int) -> bool:
    async with sessions() as s:
        return await s.scalar(select(func.count()).select_from(Ticket)) >= count


async def _no_row_in_flight(sessions) -> bool:
    """No pending outbox row is claimed by a sender (claims hold a row lock during the call)."""
    async with sessions.begin() as s:
        pending = await s.scalar(text("SELECT count(*) FROM outbox WHERE status = 'pending'"))
        free = await s.scalar(text("SELECT count(*) FROM (SELECT id FROM outbox WHERE status = 'pending' "
                                   "FOR UPDATE SKIP LOCKED) AS free"))
        await s.rollback()
    return pending == free
