"""New tickets reach the dispatcher chat: a card each, or digests in a burst, within Telegram's limits.

Both databases; time is a FrozenClock that the fake Telegram and the sender's sleeps
share, so a minute of the group limit passes in milliseconds and is measured exactly.
"""
from __future__ import annotations

import asyncio
import json
import re
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from deskbot.bot.delivery import TelegramSender
from deskbot.bot.render.texts import MESSAGE_LIMIT, Texts, visible_length
from deskbot.bot.sweeps.announce import announce_due
from deskbot.bot.sweeps.budget import chat_budget, messages_per_minute
from deskbot.dispatch import outbox
from deskbot.dispatch.cards import excerpt
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.dispatch.rules import BURST_PATIENCE, BURST_QUIET
from deskbot.dispatch.staff import sync_staff
from deskbot.storage.models import (
    Attachment, Customer, Department, Message, Organization, OutboxMessage, OutboxStatus, Ticket,
)
from harness.databases import sessions_with_staff
from harness.fake_telegram import FakeTelegram
from harness.fake_telegram.fixtures import aiogram_bot

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
DISPATCHERS, DANA = -1001, 1001
EN = Texts("en")


def desk_config(chat_id: int = DISPATCHERS, departments=(("support", "Support"), ("network", "Network & VPN"))):
    return Config.model_validate({
        "mailbox": {"host": "imap.example.test", "username": "support@example.test"},
        "telegram": {"dispatcher_chat_id": chat_id},
        "dispatch": {"nag_every": "5m"},
        "departments": [{"key": key, "name": name} for key, name in departments],
    })


CONFIG = desk_config()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def sessions(engine):
    return await sessions_with_staff(engine, CONFIG)


async def open_tickets(sessions, clock, count: int, *, subject: str = "Printer {i} is down",
                       body: str = "Hello,\nthe printer does not print.\n", attachments: int = 0) -> list[int]:
    """Tickets as ingest leaves them: status new, never announced; customer, organization and first mail."""
    async with sessions.begin() as session:
        org = await session.scalar(select(Organization))
        if org is None:
            org = Organization(domain="client.test", name="Client Ltd", created_at=clock.now())
            session.add(org)
            await session.flush()
        known = await session.scalar(select(func.count()).select_from(Customer))
        numbers = []
        for i in range(known, known + count):
            customer = Customer(email=f"anna{i}@client.test", name=f"Anna {i}", organization_id=org.id,
                                created_at=clock.now())
            session.add(customer)
            await session.flush()
            ticket = Ticket(subject=subject.format(i=i), status="new", customer_id=customer.id,
                            organization_id=org.id, created_at=clock.now(), updated_at=clock.now())
            session.add(ticket)
            await session.flush()
            mail = Message(ticket_id=ticket.id, direction="in", sender_email=customer.email,
                           sender_name=customer.name, subject=ticket.subject, body=body, created_at=clock.now())
            session.add(mail)
            await session.flush()
            session.add_all(Attachment(message_id=mail.id, filename=f"f{n}.pdf", content_type="application/pdf",
                                       size=10) for n in range(attachments))
            numbers.append(ticket.id)
    return numbers


async def sweep(sessions, clock, config: Config = CONFIG, budget: int | None = None) -> int:
    async with sessions.begin() as session:
        if budget is None:
            budget = await chat_budget(session, config.telegram.dispatcher_chat_id)
        return await announce_due(session, config, EN, clock.now(), budget)


async def rows(sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def tickets(sessions) -> list[Ticket]:
    async with sessions() as session:
        return list(await session.scalars(select(Ticket).order_by(Ticket.id)))


def listed(row: OutboxMessage) -> list[int]:
    """The tickets a queued message shows, in order: its card's, or its digest's /ticket_N lines."""
    if row.purpose == outbox.CARD:
        return [row.ticket_id]
    return [int(n) for n in re.findall(r"/ticket_(\d+)", json.loads(row.payload)["text"])]


async def test_a_new_ticket_becomes_one_card_with_the_department_buttons(sessions, clock):
    [number] = await open_tickets(sessions, clock, 1, subject="<b>Invoice</b> & co", attachments=2,
                                  body="The VPN drops <every> hour.\n\nOn Monday, Oleg wrote:\n> old text\n")
    assert await sweep(sessions, clock) == 1

    [row] = await rows(sessions)
    payload = json.loads(row.payload)
    assert (row.purpose, row.ticket_id, row.chat_id, row.method) == ("card", number, DISPATCHERS, "sendMessage")
    assert payload["parse_mode"] == "HTML"
    assert payload["text"].startswith(f"<b>#{number}</b> &lt;b&gt;Invoice&lt;/b&gt; &amp; co\n"
                                      "From: Anna 0 &lt;anna0@client.test&gt;\nOrganization: Client Ltd\n"
                                      "📎 2 attachments\n")
    assert "The VPN drops &lt;every&gt; hour." in payload["text"] and "old text" not in payload["text"]
    async with sessions() as session:
        departments = {d.key: d.id for d in await session.scalars(select(Department))}
    buttons = payload["reply_markup"]["inline_keyboard"]
    assert [[(b["text"], b["callback_data"]) for b in line] for line in buttons] == [[
        ("Support", f"d1:{number}:{departments['support']}"),
        ("Network & VPN", f"d1:{number}:{departments['network']}")]]
    [ticket] = await tickets(sessions)
    assert (ticket.announced_at, ticket.next_nag_at) == (START, START + timedelta(minutes=5))

    clock.advance(timedelta(seconds=2))
    assert await sweep(sessions, clock) == 0  # shown once
    assert len(await rows(sessions)) == 1


async def test_without_departments_a_card_has_no_buttons(sessions, clock):
    async with sessions.begin() as session:
        await sync_staff(session, desk_config(departments=()))
    await open_tickets(sessions, clock, 1)
    assert await sweep(sessions, clock, desk_config(departments=())) == 1
    [row] = await rows(sessions)
    assert "reply_markup" not in json.loads(row.payload)


async def test_a_burst_of_300_is_listed_once_it_has_landed_in_digests_that_fit_the_minute(sessions, clock):
    numbers = await open_tickets(sessions, clock, 300, subject="Cannot log in to the accounting system #{i}")
    assert await sweep(sessions, clock) == 0  # the last commit was just now: more may be landing
    clock.advance(BURST_QUIET)
    assert await sweep(sessions, clock) == 300

    queued = await rows(sessions)
    assert len(queued) <= messages_per_minute(DISPATCHERS) - 2 == 18  # two kept for later mail
    assert {row.purpose for row in queued} == {"digest"}  # a card would push tickets out of the minute
    shown = [n for row in queued for n in listed(row)]
    assert shown == numbers  # every ticket, once, oldest first
    for row in queued:
        assert visible_length(json.loads(row.payload)["text"]) < MESSAGE_LIMIT
    assert all(t.announced_at == START + BURST_QUIET for t in await tickets(sessions))


async def test_a_steady_stream_is_not_held_back_for_long(sessions, clock):
    for _ in range(11):
        await open_tickets(sessions, clock, 20)
        if await sweep(sessions, clock):
            break
        clock.advance(timedelta(seconds=1))  # a commit every second: never quiet for long enough
    assert clock.now() - START == BURST_PATIENCE
    assert len(await rows(sessions)) >= 1 and all(t.announced_at for t in await tickets(sessions))


async def test_a_burst_in_two_commits_is_visible_in_the_fake_within_a_minute(sessions, clock):
    first = await open_tickets(sessions, clock, 250)
    clock.advance(BURST_QUIET)
    assert await sweep(sessions, clock) == 250
    clock.advance(timedelta(seconds=20))
    second = await open_tickets(sessions, clock, 50, subject="Second wave {i}")
    clock.advance(BURST_QUIET)
    assert await sweep(sessions, clock) == 50  # the budget kept back pays for these digests

    async with delivering(sessions, clock) as fake:
        await until_sent(fake, sessions)
    sent = [c for c in fake.calls("sendMessage") if c.status == 200]
    assert len(sent) <= 20 and fake.counters.too_many_requests == 0
    assert max(c.at for c in sent) - START.timestamp() <= 60
    visible = "\n".join(m.text for m in fake.bot_messages(DISPATCHERS))
    seen = {int(n) for n in re.findall(r"/ticket_(\d+)", visible)}
    assert seen == set(first + second)


async def test_the_budget_counts_what_is_already_waiting_for_the_chat(sessions, clock):
    async with sessions.begin() as session:
        for i in range(18):
            outbox.send_message(session, chat_id=DISPATCHERS, text=f"earlier {i}", purpose="notify", now=clock.now())
        outbox.send_message(session, chat_id=DANA, text="elsewhere", purpose="notify", now=clock.now())
    async with sessions() as session:
        assert await chat_budget(session, DISPATCHERS) == 2
        assert await chat_budget(session, DANA) == 59  # a private chat takes one a second
    numbers = await open_tickets(sessions, clock, 5)
    clock.advance(BURST_QUIET)
    assert await sweep(sessions, clock) == 5
    new = (await rows(sessions))[19:]
    assert len(new) <= 2 and sorted(n for row in new for n in listed(row)) == numbers


async def test_a_full_chat_holds_new_tickets_until_it_has_room(sessions, clock):
    async with sessions.begin() as session:
        for i in range(20):
            outbox.send_message(session, chat_id=DISPATCHERS, text=f"earlier {i}", purpose="notify", now=clock.now())
    await open_tickets(sessions, clock, 3)
    assert await sweep(sessions, clock) == 0
    assert all(t.announced_at is None for t in await tickets(sessions))
    async with sessions.begin() as session:  # the sender got three out
        for row in (await session.scalars(select(OutboxMessage).limit(3))):
            row.status = OutboxStatus.SENT
    assert await sweep(sessions, clock) == 3


async def test_a_ticket_assigned_before_it_was_shown_is_not_announced(sessions, clock):
    first, second = await open_tickets(sessions, clock, 2)
    async with sessions.begin() as session:
        (await session.get(Ticket, first)).status = "assigned"
    assert await sweep(sessions, clock) == 1
    [row] = await rows(sessions)
    assert row.ticket_id == second
    async with sessions() as session:
        assert await session.scalar(select(func.count()).where(Ticket.announced_at.is_(None))) == 0


def test_the_excerpt_drops_the_signature_and_the_quoted_history():
    assert excerpt("Hi,\nit fails.\n\n\n\nAgain.\n-- \nAnna\n+7 900") == "Hi,\nit fails.\n\nAgain."
    assert excerpt("Still broken.\n\nOn Mon, 2 Mar 2026, Oleg wrote:\n> Try again\n") == "Still broken."
    assert excerpt("> only a quote\n") == "> only a quote"
    assert excerpt("x" * 2000) == "x" * 699 + "…"


# -- delivery through the fake Telegram, in virtual time ----------------------------------------


@asynccontextmanager
async def delivering(sessions, clock):
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    async with FakeTelegram(clock=lambda: clock.now().timestamp()) as fake, aiogram_bot(fake) as bot:
        fake.add_user(DANA, "Dana")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        stop = asyncio.Event()
        task = asyncio.create_task(TelegramSender(bot, sessions, clock, sleep=sleep).run(stop))
        try:
            yield fake
        finally:
            stop.set()
            await asyncio.wait_for(task, 5)


async def until_sent(fake: FakeTelegram, sessions, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while any(row.status == OutboxStatus.PENDING for row in await rows(sessions)):
        assert asyncio.get_running_loop().time() < deadline, f"rows still pending after {timeout}s"
        await fake.wait_for_version(fake.version, 0.2)
    assert all(row.status == OutboxStatus.SENT for row in await rows(sessions))
