"""The SLA sweep with a shifted clock, on SQLite and PostgreSQL: a warning at 80 % reaches the assignee in the
fake Telegram, a breach reaches the dispatcher chat, each once; waiting for the customer stops the clock."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from prometheus_client import REGISTRY
from sqlalchemy import func, select

from deskbot.bot.sweeps.sla import tell_sla
from deskbot.dispatch import tickets
from deskbot.dispatch.config import Config
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.mailbox.inbound import Address, Fetched, InboundMail
from deskbot.storage.db import session_factory
from deskbot.storage.models import SlaAlert, Staff, Ticket, TicketEvent
from harness.bot_desk import DISPATCHERS, EN, SAM, START, add_ticket, staff_id

SLA_CONFIG = Config.model_validate({
    "mailbox": {"host": "imap.test", "username": "support@desk.test"},
    "telegram": {"dispatcher_chat_id": DISPATCHERS, "language": "en"},
    "dispatch": {"timezone": "Europe/Moscow", "nag_every": "5m"},
    "sla": {"first_response": "1h", "resolution": "8h", "warn_at": 0.8},
})


async def sweep(desk) -> int:
    async with desk.sessions.begin() as s:
        told = await tell_sla(s, SLA_CONFIG, EN, desk.clock.now())
    desk.sender.wake()
    return told


def minutes_after_start(desk, minutes: float) -> None:
    desk.clock.advance((START + timedelta(minutes=minutes) - desk.clock.now()).total_seconds())


async def events(desk, kind: str) -> list[TicketEvent]:
    async with desk.sessions() as s:
        return list(await s.scalars(select(TicketEvent).where(TicketEvent.kind == kind)))


async def test_warning_to_the_assignee_then_breach_to_the_dispatchers_each_once(desk):
    await add_ticket(desk.sessions, 1, status="assigned", assignee=SAM)
    minutes_after_start(desk, 30)
    assert await sweep(desk) == 0

    minutes_after_start(desk, 49)  # 80 % of an hour is 48 minutes
    assert await sweep(desk) == 1
    warning = await desk.fake.wait_for_bot_message(SAM, text_contains="An SLA target is close")
    assert "/ticket_1 Printer on fire · first response due" in warning.text and "business time left" in warning.text
    assert await sweep(desk) == 0

    minutes_after_start(desk, 61)
    assert await sweep(desk) == 1
    breach = await desk.fake.wait_for_bot_message(DISPATCHERS, text_contains="An SLA target was missed")
    assert "/ticket_1 Printer on fire · first response was due" in breach.text and "Sam Specialist" in breach.text
    assert await sweep(desk) == 0
    await desk.outbox_drained()
    assert len([m for m in desk.fake.bot_messages(SAM) if "SLA" in m.text]) == 1
    assert len([m for m in desk.fake.bot_messages(DISPATCHERS) if "SLA" in m.text]) == 1
    [warned], [breached] = await events(desk, "sla_warning"), await events(desk, "sla_breach")
    assert warned.detail == "first response: 0 h 49 min of 1 h 00 min business time used"
    assert breached.detail == "first response: target 1 h 00 min missed"
    async with desk.sessions() as s:  # the resolution's warning is next: 80 % of 8 h
        assert (await s.get(Ticket, 1)).sla_check_at == START + timedelta(hours=6, minutes=24)


async def test_two_sweeps_at_once_tell_a_breach_once(desk):
    for number in (1, 2, 3):
        await add_ticket(desk.sessions, number, status="assigned", assignee=SAM)
    minutes_after_start(desk, 90)
    counted = {"level": "breach", "target": "first_response"}
    before = REGISTRY.get_sample_value("deskbot_sla_alerts_total", counted) or 0

    async def one() -> int:
        async with desk.sessions.begin() as s:
            return await tell_sla(s, SLA_CONFIG, EN, desk.clock.now())

    told = await asyncio.gather(one(), one(), return_exceptions=True)
    assert sum(t for t in told if isinstance(t, int)) == 3, told
    assert await sweep(desk) == 0
    async with desk.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(SlaAlert)) == 3
    # counted at the commit that holds: a sweep whose alerts lost to the other's is not counted
    assert REGISTRY.get_sample_value("deskbot_sla_alerts_total", counted) - before == 3


async def test_waiting_for_the_customer_stops_the_clock(desk):
    await add_ticket(desk.sessions, 1, status="in_progress", assignee=SAM)
    minutes_after_start(desk, 10)
    async with desk.sessions.begin() as s:
        await tickets.wait(s, 1, await s.get(Staff, staff_id(SAM)), desk.clock.now())
    minutes_after_start(desk, 180)
    assert await sweep(desk) == 0
    async with desk.sessions() as s:
        assert (await s.get(Ticket, 1)).sla_check_at is None  # nothing to watch until the customer replies
    async with desk.sessions.begin() as s:
        await tickets.resume(s, 1, None, desk.clock.now())
    assert await sweep(desk) == 0
    async with desk.sessions() as s:  # 10 minutes counted before the wait: the warning 38 minutes on
        next_look = (await s.get(Ticket, 1)).sla_check_at
    assert abs(next_look - (START + timedelta(minutes=180 + 38))) < timedelta(seconds=30)  # the paced clock ran on


async def test_a_ticket_opened_by_mail_is_looked_at_at_once(engine):
    ingest = Ingest(session_factory(engine), FrozenClock(START), MailboxPlace("support@imap.test", "INBOX"),
                    own_addresses={"support@desk.test"}, free_mail_domains=set())
    mails = [Fetched(uid, b"raw", InboundMail(key=f"k{uid}", size=3, message_id=f"k{uid}",
                                              sender=Address("ann@example.com", "Ann"), subject="Help"))
             for uid in (1, 2)]
    await ingest.store(7, mails, 1)
    async with session_factory(engine)() as s:
        assert list(await s.scalars(select(Ticket.sla_check_at))) == [START, START]


async def test_many_breaches_at_once_are_few_messages_within_telegrams_limit(desk):
    long_subject = "Printer on fire and nobody knows why " * 10
    for number in range(1, 61):
        await add_ticket(desk.sessions, number, long_subject, status="assigned", assignee=SAM)
    minutes_after_start(desk, 120)  # the service was down: every warning is past, every breach due
    assert await sweep(desk) == 60
    await desk.outbox_drained()
    told = [m for m in desk.fake.bot_messages(DISPATCHERS) if "SLA" in m.text]
    assert 2 <= len(told) <= 4 and all(len(m.text) <= 4096 for m in told)
    assert sum(m.text.count("/ticket_") for m in told) == 60
    assert "60 SLA targets were missed" in told[0].text
    assert not [m for m in desk.fake.bot_messages(SAM) if "SLA" in m.text]  # no warning once it is too late
