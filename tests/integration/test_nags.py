"""Reminders of unassigned tickets, on both databases, with a frozen clock: due from the database alone."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from deskbot.bot.notify import Notifier
from deskbot.bot.render.texts import MESSAGE_LIMIT, Texts, visible_length
from deskbot.bot.sweeps.announce import announce_due
from deskbot.bot.sweeps.budget import chat_budget
from deskbot.bot.sweeps.nags import NAG_CARDS, NAG_DIGESTS, nag_due_tickets
from deskbot.dispatch import tickets
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.storage.models import Customer, OutboxMessage, Staff, Ticket

from harness.databases import sessions_with_staff

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
DISPATCHERS, DANA = -1001, 1001
EVERY = timedelta(minutes=5)
EN = Texts("en")
CONFIG = Config.model_validate({
    "mailbox": {"host": "imap.example.test", "username": "support@example.test"},
    "telegram": {"dispatcher_chat_id": DISPATCHERS},
    "dispatch": {"nag_every": "5m"},
    "departments": [{"key": "support", "name": "Support"}, {"key": "network", "name": "Network"}],
    "staff": [{"name": "Dana", "telegram_id": DANA, "departments": ["support"], "roles": ["dispatcher"]}],
})


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def sessions(engine):
    return await sessions_with_staff(engine, CONFIG)


async def announced_tickets(sessions, clock, count: int) -> list[int]:
    """New tickets, shown to the dispatcher at `clock`: their first reminder is due a nag_every later."""
    async with sessions.begin() as session:
        numbers = []
        known = await session.scalar(select(func.count()).select_from(Customer))
        for i in range(known, known + count):
            customer = Customer(email=f"c{i}@client.test", name=f"Customer {i}", created_at=clock.now())
            session.add(customer)
            await session.flush()
            ticket = Ticket(subject=f"Printer {i} is down", status="new", customer_id=customer.id,
                            created_at=clock.now(), updated_at=clock.now())
            session.add(ticket)
            await session.flush()
            numbers.append(ticket.id)
        await announce_due(session, CONFIG, EN, clock.now(), budget=10_000)
        # Only what the reminders queue matters below.
        for row in await session.scalars(select(OutboxMessage)):
            await session.delete(row)
    return numbers


async def nag(sessions, clock, budget: int | None = None) -> list[OutboxMessage]:
    """One nag sweep; the rows it queued."""
    async with sessions.begin() as session:
        before = set(await session.scalars(select(OutboxMessage.id)))
        if budget is None:
            budget = await chat_budget(session, DISPATCHERS)
        await nag_due_tickets(session, CONFIG, EN, clock.now(), budget)
    async with sessions() as session:
        queued = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [row for row in queued if row.id not in before]


async def sent_all(sessions) -> None:
    """The sender delivered everything: the chat has room again."""
    async with sessions.begin() as session:
        for row in await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")):
            row.status = "sent"


async def test_a_ticket_is_nagged_every_nag_every_until_it_is_assigned(sessions, clock):
    [number] = await announced_tickets(sessions, clock, 1)

    clock.advance(EVERY - timedelta(seconds=1))
    assert await nag(sessions, clock) == []  # not before nag_every

    clock.advance(timedelta(seconds=1))
    before = REGISTRY.get_sample_value("deskbot_nags_sent_total")
    [first] = await nag(sessions, clock)
    assert REGISTRY.get_sample_value("deskbot_nags_sent_total") - before == 1
    payload = json.loads(first.payload)
    assert (first.purpose, first.ticket_id, first.chat_id) == ("nag", number, DISPATCHERS)
    assert payload["text"].startswith("⏰ <b>Not assigned yet</b>, waiting 5 min.\n"
                                      f"<b>#{number}</b> Printer 0 is down\n")
    assert [b["text"] for line in payload["reply_markup"]["inline_keyboard"] for b in line] == ["Support", "Network"]
    assert await nag(sessions, clock) == []  # once per nag_every, however often the sweep runs

    await sent_all(sessions)
    clock.advance(EVERY - timedelta(seconds=1))
    assert await nag(sessions, clock) == []
    clock.advance(timedelta(seconds=1))
    [second] = await nag(sessions, clock)
    assert "waiting 10 min" in json.loads(second.payload)["text"]

    async with sessions.begin() as session:  # assigned: only the status and the assignee change here
        ticket = await session.get(Ticket, number)
        ticket.status = "assigned"
        ticket.assignee_id = await session.scalar(select(Staff.id).where(Staff.telegram_id == DANA))
    for _ in range(3):
        clock.advance(EVERY)
        assert await nag(sessions, clock) == []


async def test_a_long_downtime_gives_one_reminder_not_one_per_missed_period(sessions, clock):
    await announced_tickets(sessions, clock, 2)
    clock.advance(timedelta(hours=3))  # the service was down: the due times are in the database
    assert [row.purpose for row in await nag(sessions, clock)] == ["nag", "nag"]
    assert await nag(sessions, clock) == []
    async with sessions() as session:
        assert {t.next_nag_at for t in await session.scalars(select(Ticket))} == {clock.now() + EVERY}


async def test_many_waiting_tickets_get_one_digest_reminder(sessions, clock):
    numbers = await announced_tickets(sessions, clock, 40)
    clock.advance(EVERY)
    [reminder] = await nag(sessions, clock)
    text = json.loads(reminder.payload)["text"]
    assert (reminder.purpose, reminder.ticket_id) == ("nag-digest", None)
    assert text.startswith("⏰ <b>40 tickets are waiting</b>\n")
    assert [int(n) for n in re.findall(r"/ticket_(\d+) .* · 5 min", text)] == numbers
    assert visible_length(text) < MESSAGE_LIMIT


async def test_a_few_due_tickets_get_cards_more_get_a_digest(sessions, clock):
    await announced_tickets(sessions, clock, NAG_CARDS)
    clock.advance(timedelta(minutes=1))
    await announced_tickets(sessions, clock, 1)
    clock.advance(EVERY - timedelta(minutes=1))
    assert [row.purpose for row in await nag(sessions, clock)] == ["nag"] * NAG_CARDS
    await sent_all(sessions)
    clock.advance(timedelta(minutes=1))
    assert [row.purpose for row in await nag(sessions, clock)] == ["nag"]  # the later one, on its own time
    await sent_all(sessions)
    clock.advance(EVERY)
    assert [row.purpose for row in await nag(sessions, clock)] == ["nag-digest"]  # all four at once now


async def test_reminders_wait_while_the_chat_has_no_room(sessions, clock):
    await announced_tickets(sessions, clock, 5)
    clock.advance(EVERY)
    assert await nag(sessions, clock, budget=0) == []
    [reminder] = await nag(sessions, clock, budget=1)  # still due: reminded when there is room
    assert "5 tickets are waiting" in json.loads(reminder.payload)["text"]


def listed_in(rows: list[OutboxMessage]) -> list[int]:
    return [int(n) for row in rows for n in re.findall(r"/ticket_(\d+)", json.loads(row.payload)["text"])]


async def test_a_burst_of_waiting_tickets_is_one_reminder_that_leaves_room_for_new_mail(sessions, clock):
    numbers = await announced_tickets(sessions, clock, 400)
    clock.advance(EVERY)
    [short] = await nag(sessions, clock, budget=2)  # never more than half what the chat can take
    text = json.loads(short.payload)["text"]
    listed = listed_in([short])
    assert 0 < len(listed) < 400 and listed == numbers[:len(listed)]  # the oldest first
    assert text.startswith("⏰ <b>400 tickets are waiting</b>\n")
    assert text.endswith(f"\n…and {400 - len(listed)} more")
    assert await nag(sessions, clock) == []  # the rest were counted: reminded of, not flooded with

    clock.advance(EVERY)
    roomy = await nag(sessions, clock)
    assert [row.purpose for row in roomy] == ["nag-digest"] * NAG_DIGESTS  # of the minute's 20
    assert listed_in(roomy) == numbers[:len(listed_in(roomy))] and len(listed_in(roomy)) > len(listed)
    assert all(visible_length(json.loads(row.payload)["text"]) < MESSAGE_LIMIT for row in [short, *roomy])


async def test_a_reminder_still_queued_when_its_ticket_is_assigned_is_never_sent(sessions, clock):
    [number] = await announced_tickets(sessions, clock, 1)
    clock.advance(EVERY)
    [queued] = await nag(sessions, clock)
    assert queued.purpose == "nag"
    async with sessions.begin() as session:  # the dispatcher was quicker than the chat's queue
        dana = await session.scalar(select(Staff).where(Staff.telegram_id == DANA))
        done = await tickets.assign(session, number, dana, dana.id, clock.now())
        await Notifier(CONFIG, EN).assigned(session, done, clock.now(), shown=None)
    async with sessions() as session:
        row = await session.get(OutboxMessage, queued.id)
        assert (row.status, row.last_error) == ("dropped", "the ticket was assigned before the reminder left")
        # Dana's own copy of the ticket still goes; the dispatcher chat gets no stale buttons.
        pending = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")))
        assert [(r.chat_id, r.method) for r in pending] == [(DANA, "sendMessage")]
