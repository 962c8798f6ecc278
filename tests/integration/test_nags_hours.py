"""Nags and stale nudges follow the desk's calendar (nag_outside_hours = false): silent while the desk is closed,
due again at its opening; the 5-minute rhythm is unchanged inside business hours. Both databases, frozen clock."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from deskbot.bot.render.texts import Texts
from deskbot.bot.sweeps.announce import announce_due
from deskbot.bot.sweeps.nags import nag_due_tickets
from deskbot.bot.sweeps.stale import nudge_stale
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.storage.models import Customer, OutboxMessage, Staff, Ticket
from harness.databases import sessions_with_staff

MOSCOW = ZoneInfo("Europe/Moscow")
FRIDAY_EVENING = datetime(2026, 12, 4, 17, 50, tzinfo=MOSCOW)
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=MOSCOW)
DISPATCHERS, DANA = -1001, 1001
EN = Texts("en")


def config(outside: bool = False) -> Config:
    return Config.model_validate({
        "mailbox": {"host": "imap.example.test", "username": "support@example.test"},
        "telegram": {"dispatcher_chat_id": DISPATCHERS},
        "dispatch": {"nag_every": "5m", "timezone": "Europe/Moscow", "nag_outside_hours": outside,
                     "stale_after": "1h"},
        "calendar": {"weekdays": "09:00-18:00"},
        "departments": [{"key": "support", "name": "Support"}],
        "staff": [{"name": "Dana", "telegram_id": DANA, "departments": ["support"],
                   "roles": ["dispatcher", "specialist"]}],
    })


@pytest.fixture
async def sessions(engine):
    return await sessions_with_staff(engine, config())


async def announced(sessions, desk: Config, now: datetime) -> int:
    async with sessions.begin() as session:
        customer = Customer(email="ann@client.test", name="Ann", created_at=now)
        session.add(customer)
        await session.flush()
        ticket = Ticket(subject="Printer", status="new", customer_id=customer.id, created_at=now, updated_at=now)
        session.add(ticket)
        await session.flush()
        await announce_due(session, desk, EN, now, budget=100)
        return ticket.id


async def nags(sessions, desk: Config, now: datetime) -> int:
    async with sessions.begin() as session:
        return await nag_due_tickets(session, desk, EN, now, budget=20)


async def next_nag(sessions, number: int) -> datetime:
    async with sessions() as session:
        return (await session.get(Ticket, number)).next_nag_at


async def test_no_nag_after_hours_and_the_next_at_opening(sessions):
    desk = config()
    number = await announced(sessions, desk, FRIDAY_EVENING)
    assert await next_nag(sessions, number) == FRIDAY_EVENING + timedelta(minutes=5)  # inside: unchanged
    assert await nags(sessions, desk, FRIDAY_EVENING + timedelta(minutes=5)) == 1
    assert await next_nag(sessions, number) == MONDAY_MORNING  # 18:00 is closing time: Monday's opening
    for hour in (18, 23):
        assert await nags(sessions, desk, datetime(2026, 12, 4, hour, 30, tzinfo=MOSCOW)) == 0
    assert await nags(sessions, desk, datetime(2026, 12, 6, 12, 0, tzinfo=MOSCOW)) == 0  # Sunday
    assert await nags(sessions, desk, MONDAY_MORNING) == 1
    assert await next_nag(sessions, number) == MONDAY_MORNING + timedelta(minutes=5)


async def test_a_ticket_due_while_closed_is_reminded_of_at_opening(sessions):
    desk = config()
    async with sessions.begin() as session:  # due on Saturday, as a config without a calendar left it
        customer = Customer(email="ann@client.test", name="Ann", created_at=FRIDAY_EVENING)
        session.add(customer)
        await session.flush()
        session.add(Ticket(subject="Printer", status="new", customer_id=customer.id, created_at=FRIDAY_EVENING,
                           updated_at=FRIDAY_EVENING, announced_at=FRIDAY_EVENING,
                           next_nag_at=datetime(2026, 12, 5, 10, 0, tzinfo=MOSCOW)))
    assert await nags(sessions, desk, datetime(2026, 12, 5, 10, 0, tzinfo=MOSCOW)) == 0
    assert await nags(sessions, desk, MONDAY_MORNING - timedelta(seconds=1)) == 0
    assert await nags(sessions, desk, MONDAY_MORNING) == 1
    async with sessions() as session:
        [row] = await session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "nag"))
    assert "Not assigned yet" in json.loads(row.payload)["text"]


async def test_nag_outside_hours_true_keeps_nagging_at_night(sessions):
    desk = config(outside=True)
    number = await announced(sessions, desk, datetime(2026, 12, 4, 23, 0, tzinfo=MOSCOW))
    assert await nags(sessions, desk, datetime(2026, 12, 4, 23, 5, tzinfo=MOSCOW)) == 1
    assert await next_nag(sessions, number) == datetime(2026, 12, 4, 23, 10, tzinfo=MOSCOW)


async def test_the_stale_nudge_waits_for_the_opening(sessions):
    desk = config()
    async with sessions.begin() as session:
        dana = await session.scalar(select(Staff).where(Staff.telegram_id == DANA))
        customer = Customer(email="ann@client.test", name="Ann", created_at=FRIDAY_EVENING)
        session.add(customer)
        await session.flush()
        session.add(Ticket(subject="Printer", status="in_progress", customer_id=customer.id, assignee_id=dana.id,
                           created_at=FRIDAY_EVENING, updated_at=FRIDAY_EVENING))

    async def nudges(now: datetime) -> int:
        async with sessions.begin() as session:
            return await nudge_stale(session, desk, EN, now)
    assert await nudges(datetime(2026, 12, 4, 20, 0, tzinfo=MOSCOW)) == 0  # stale, but the desk is closed
    assert await nudges(MONDAY_MORNING) == 1
