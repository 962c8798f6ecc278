"""The outbox and its Telegram sender, on both databases, against the strict fake Bot API.

Time is virtual: the fake, the sender's clock and the sender's sleeps share one
FrozenClock, and a sleep moves it forward, so a minute of Telegram's group limit
or a 40-second outage takes milliseconds. Every wait is on a condition, with a
timeout.
"""
from __future__ import annotations

import asyncio
import html
import json
import logging
from itertools import pairwise
from datetime import timedelta

import pytest
from sqlalchemy import select

from deskbot.bot.delivery import TelegramSender
from deskbot.dispatch import outbox
from deskbot.dispatch.clock import SystemClock
from deskbot.storage.db import session_factory
from deskbot.demo.botapi import FakeTelegram, RateLimits
from deskbot.storage.models import OutboxMessage, OutboxStatus, TelegramMessage, Ticket
from harness.telegram import aiogram_bot
from harness.outbox_run import (
    BUTTONS, DANA, DISPATCHERS, OLEG, START, STRANGER, all_rows, new_ticket, queue, reply, running,
    sender_for, until_settled,
)

def assert_delivered_once(fake: FakeTelegram, rows: list[OutboxMessage]) -> None:
    """Each row is exactly one message in the fake, and the fake holds nothing else."""
    delivered = {(m.chat_id, m.message_id): m.source
                 for chat_id in {r.chat_id for r in rows} for m in fake.bot_messages(chat_id)}
    assert all(r.status == OutboxStatus.SENT for r in rows)
    assert sorted((r.chat_id, r.telegram_message_id) for r in rows) == sorted(delivered)
    for r in rows:
        assert delivered[(r.chat_id, r.telegram_message_id)] == json.loads(r.payload)["text"]


def sends(fake: FakeTelegram, status: int = 200) -> list:
    return [c for c in fake.calls("sendMessage") if c.status == status]


async def test_a_chats_messages_keep_their_order_and_chats_take_turns(fake, bot, sessions, clock):
    await queue(sessions, clock, *[(DANA, f"dana {i}") for i in range(4)],
                *[(OLEG, f"oleg {i}") for i in range(4)], *[(DISPATCHERS, f"group {i}") for i in range(4)])
    async with running(sender_for(bot, sessions, clock)):
        rows = await until_settled(fake, sessions)

    assert_delivered_once(fake, rows)
    for chat_id, name in ((DANA, "dana"), (OLEG, "oleg"), (DISPATCHERS, "group")):
        assert [m.text for m in fake.bot_messages(chat_id)] == [f"{name} {i}" for i in range(4)]
    # Dana's four were queued first, yet every chat got its first message before anyone a second.
    assert {c.params["chat_id"] for c in sends(fake)[:3]} == {str(DANA), str(OLEG), str(DISPATCHERS)}
    dana = [c.at for c in sends(fake) if c.params["chat_id"] == str(DANA)]
    assert all(b - a >= 1.0 for a, b in pairwise(dana))  # one a second in a private chat
    assert fake.counters.too_many_requests == 0


async def test_a_group_burst_keeps_to_twenty_a_minute(fake, bot, sessions, clock):
    await queue(sessions, clock, *[(DISPATCHERS, f"ticket {i}") for i in range(60)])
    async with running(sender_for(bot, sessions, clock)):
        rows = await until_settled(fake, sessions)

    assert_delivered_once(fake, rows)
    assert [m.text for m in fake.bot_messages(DISPATCHERS)] == [f"ticket {i}" for i in range(60)]
    at = [c.at for c in sends(fake)]
    assert all(at[i + 20] - at[i] >= 60.0 for i in range(len(at) - 20))
    assert at[-1] - at[0] >= 120.0  # three minutes' worth, in virtual time
    assert fake.counters.too_many_requests == 0


@pytest.mark.parametrize("kind", ["bad_gateway", "bad_gateway_html", "drop"])
async def test_a_telegram_outage_loses_nothing_and_sends_nothing_twice(fake, bot, sessions, clock, caplog, kind):
    fake.fail(kind, seconds=40)
    await queue(sessions, clock, *[(DANA, f"dana {i}") for i in range(3)],
                *[(DISPATCHERS, f"group {i}") for i in range(3)])
    with caplog.at_level(logging.INFO, logger="deskbot.delivery"):
        async with running(sender_for(bot, sessions, clock)):
            rows = await until_settled(fake, sessions)

    assert_delivered_once(fake, rows)
    assert rows[0].attempts > 1 and rows[0].last_error
    # One probe per backoff step, not one call per waiting message: 1+2+4+8+16 s and more.
    assert 3 <= fake.counters.outages <= 9
    assert clock.now() - START >= timedelta(seconds=40)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
    assert any("takes messages again" in r.getMessage() for r in caplog.records)


async def test_a_429_storm_is_waited_out(fake, bot, sessions, clock):
    fake.flood(calls=8, retry_after=3)
    await queue(sessions, clock, *[(chat, f"{chat} {i}") for i in range(3) for chat in (DANA, OLEG, DISPATCHERS)])
    async with running(sender_for(bot, sessions, clock)):
        rows = await until_settled(fake, sessions)

    assert_delivered_once(fake, rows)
    assert fake.counters.too_many_requests == 8
    assert fake.counters.ignored_retry_after == 0
    for chat in (DANA, OLEG, DISPATCHERS):
        assert [m.text for m in fake.bot_messages(chat)] == [f"{chat} {i}" for i in range(3)]


async def test_a_refused_message_fails_and_the_chat_goes_on(fake, bot, sessions, clock, caplog):
    fake.block_bot(OLEG)
    await queue(sessions, clock, (DANA, "<p>not Telegram's HTML</p>"), (DANA, "still <b>delivered</b>"),
                (STRANGER, "to nobody"), (OLEG, "blocked"))
    async with running(sender_for(bot, sessions, clock)):
        bad_html, fine, stranger, blocked = await until_settled(fake, sessions)

    assert bad_html.status == OutboxStatus.FAILED and "can't parse entities" in bad_html.last_error
    assert fine.status == OutboxStatus.SENT
    assert [m.text for m in fake.bot_messages(DANA)] == ["still delivered"]
    assert (stranger.status, stranger.last_error) == (OutboxStatus.FAILED, "Bad Request: chat not found")
    assert (blocked.status, blocked.last_error) == (OutboxStatus.FAILED, "Forbidden: bot was blocked by the user")
    assert all(r.attempts == 1 for r in (bad_html, stranger, blocked))  # refused once, never retried
    assert sum("refused, not retried" in r.getMessage() for r in caplog.records) == 3


async def test_an_edit_finds_the_card_queued_before_it(fake, bot, sessions, clock):
    async with sessions.begin() as session:
        ticket = await new_ticket(session, clock)
        outbox.send_message(session, chat_id=DISPATCHERS, text="#1 <b>Printer</b>", purpose=outbox.CARD,
                            ticket_id=ticket.id, reply_markup=BUTTONS, now=clock.now())
        # Queued before the card was sent: its message id is not known yet.
        outbox.edit_card(session, ticket_id=ticket.id, chat_id=DISPATCHERS, text="#1 Printer: assigned to Dana",
                         reply_markup=None, now=clock.now())
        outbox.edit_card(session, ticket_id=ticket.id, chat_id=DISPATCHERS, text="#1 Printer: assigned to Dana",
                         reply_markup=None, now=clock.now())  # a double tap: "not modified" is fine
        outbox.edit_card(session, ticket_id=ticket.id, chat_id=DANA, text="never sent here",
                         reply_markup=None, now=clock.now())
    async with running(sender_for(bot, sessions, clock)):
        card, edit, same_edit, no_card = await until_settled(fake, sessions)

    [message] = fake.bot_messages(DISPATCHERS)
    assert message.text == "#1 Printer: assigned to Dana" and message.reply_markup is None
    assert [v.text for v in message.history] == ["#1 Printer"]
    assert card.telegram_message_id == edit.telegram_message_id == message.message_id
    assert same_edit.status == OutboxStatus.SENT
    assert (no_card.status, no_card.last_error) == (OutboxStatus.FAILED, "no card of this ticket was sent to this chat")
    async with sessions() as session:
        known = (await session.scalars(select(TelegramMessage))).all()
    assert [(k.ticket_id, k.chat_id, k.message_id, k.purpose) for k in known] == [
        (ticket.id, DISPATCHERS, message.message_id, "card")]


async def test_customer_text_goes_out_escaped_and_never_too_long(fake, bot, sessions, clock, caplog):
    subject = "<b>Invoice & co</b> &lt;urgent&gt;"
    long_but_fits = "&amp;" * 4000  # 20,000 characters sent, 4,000 shown: left alone
    await queue(sessions, clock, (DANA, f"New ticket: {html.escape(subject)}"), (DANA, long_but_fits),
                (DANA, "<b>" + html.escape("x" * 5000) + "</b>"))
    async with running(sender_for(bot, sessions, clock)):
        rows = await until_settled(fake, sessions)

    assert all(r.status == OutboxStatus.SENT for r in rows)
    escaped, fits, cut = fake.bot_messages(DANA)
    assert escaped.text == f"New ticket: {subject}"
    assert fits.text == "&" * 4000
    assert len(cut.text) == 4096 and cut.text.endswith("…")
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"outbox: message {rows[2].id} (notify) was over Telegram's limit: cut, formatting dropped"]


class Crash(BaseException):
    """The process dies: nothing after this point runs."""


class CrashAfter:
    """A Bot that dies right after Telegram accepted the n-th call, before deskbot could commit."""

    def __init__(self, bot, calls: int) -> None:
        self.bot, self.calls = bot, calls

    async def __call__(self, method):
        result = await self.bot(method)
        self.calls -= 1
        if self.calls == 0:
            raise Crash
        return result


async def test_a_restart_sends_what_was_pending_and_at_most_the_one_message_in_flight(fake, bot, sessions, clock):
    await queue(sessions, clock, *[(chat, f"{chat} {i}") for i in range(3) for chat in (DANA, OLEG)])
    # The first sender reaches Telegram twice, then dies between Telegram's answer and its commit.
    with pytest.raises(Crash):
        await sender_for(CrashAfter(bot, calls=2), sessions, clock).drain_once()
    assert [r.status for r in await all_rows(sessions)].count(OutboxStatus.SENT) == 1

    async with aiogram_bot(fake) as new_bot, running(sender_for(new_bot, sessions, clock)):
        rows = await until_settled(fake, sessions)

    texts = [m.text for chat in (DANA, OLEG) for m in fake.bot_messages(chat)]
    assert sorted(set(texts)) == sorted(json.loads(r.payload)["text"] for r in rows)
    assert len(texts) == len(rows) + 1  # the one message in flight at the crash, twice: the known window
    assert texts.count(f"{OLEG} 0") == 2


async def test_a_restart_after_an_outage_sends_everything_once(fake, bot, sessions, clock):
    fake.fail("drop", seconds=600)
    await queue(sessions, clock, *[(chat, f"{chat} {i}") for i in range(2) for chat in (DANA, DISPATCHERS)])
    first = asyncio.create_task(sender_for(bot, sessions, clock).run(asyncio.Event()))
    await fake.wait_for(lambda: fake.counters.outages >= 3)
    first.cancel()  # killed mid-outage
    with pytest.raises(asyncio.CancelledError):
        await first
    fake.clear_faults()

    async with aiogram_bot(fake) as new_bot, running(sender_for(new_bot, sessions, clock)):
        rows = await until_settled(fake, sessions)
    assert_delivered_once(fake, rows)


class Counting:
    def __init__(self, bot) -> None:
        self.bot, self.calls = bot, 0

    async def __call__(self, method):
        self.calls += 1
        return await self.bot(method)


@pytest.fixture
async def pg_sessions(pg_url):
    """PostgreSQL alone: SQLite has no row locks, and one sender per database file is the documented rule."""
    from deskbot.storage import migrate
    from deskbot.storage.db import create_engine

    engine = create_engine(pg_url)
    await migrate.upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_two_senders_never_send_a_row_twice(clock, pg_sessions):
    sessions = pg_sessions
    chats = [DANA, OLEG, DISPATCHERS]
    async with FakeTelegram(limits=RateLimits.off(), clock=lambda: clock.now().timestamp()) as fake:
        fake.add_user(DANA, "Dana")
        fake.add_user(OLEG, "Oleg")
        fake.add_group(DISPATCHERS, "Dispatchers")
        await queue(sessions, clock, *[(chat, f"{chat} {i}") for i in range(10) for chat in chats])
        async with aiogram_bot(fake) as one, aiogram_bot(fake) as two:
            one, two = Counting(one), Counting(two)
            async with running(sender_for(one, sessions, clock), sender_for(two, sessions, clock)):
                rows = await until_settled(fake, sessions)
        assert_delivered_once(fake, rows)
        assert one.calls > 0 and two.calls > 0 and one.calls + two.calls == len(rows)
        for chat in chats:
            assert [m.text for m in fake.bot_messages(chat)] == [f"{chat} {i}" for i in range(10)]


async def test_wake_sends_at_once_without_waiting_for_the_next_check(sessions):
    clock = SystemClock()
    async with FakeTelegram() as fake, aiogram_bot(fake) as bot:
        fake.add_user(DANA, "Dana")
        sender = TelegramSender(bot, sessions, clock, idle_check=3600)
        async with running(sender):
            await asyncio.sleep(0.05)  # the sender is idle now, for an hour
            await queue(sessions, clock, (DANA, "new ticket"))
            sender.wake()
            await fake.wait_for_bot_message(DANA, text_contains="new ticket", timeout=3)


# Replies to a person who just acted (TelegramSender.send_now) ------------------------------

async def test_a_reply_goes_at_once_and_counts_against_the_chats_limit(fake, bot, sessions, clock):
    sender = sender_for(bot, sessions, clock)
    await sender.send_now(DANA, "sendMessage", reply("<b>Done</b>"))
    assert [m.text for m in fake.bot_messages(DANA)] == ["Done"] and await all_rows(sessions) == []
    await queue(sessions, clock, (DANA, "queued after the reply"))
    async with running(sender):
        rows = await until_settled(fake, sessions)
    [first, second] = fake.calls("sendMessage")
    assert second.at - first.at >= 1.0  # the outbox waited for the chat's second, as for its own
    assert [r.status for r in rows] == ["sent"] and fake.counters.too_many_requests == 0


async def test_a_reply_into_a_busy_chat_is_queued_not_waited_for(fake, bot, sessions, clock):
    sender = sender_for(bot, sessions, clock)
    for n in range(20):  # the group's minute is spent
        sender.flood.spend(DISPATCHERS)
    before = clock.now()
    await sender.send_now(DISPATCHERS, "sendMessage", reply("Assigned"))
    assert clock.now() - before < timedelta(seconds=2) and fake.bot_messages(DISPATCHERS) == []
    [row] = await all_rows(sessions)
    assert (row.purpose, row.status) == ("reply", "pending")
    async with running(sender):
        await until_settled(fake, sessions)
    assert [m.text for m in fake.bot_messages(DISPATCHERS)] == ["Assigned"]
    assert fake.counters.too_many_requests == 0


async def test_a_reply_told_to_wait_or_unable_to_reach_telegram_is_delivered_later_once(fake, bot, sessions, clock):
    sender = sender_for(bot, sessions, clock, jitter=lambda: 0.0)
    fake.flood(calls=1, retry_after=5, methods=["sendMessage"])
    await sender.send_now(DANA, "sendMessage", reply("after the flood"))
    fake.fail("bad_gateway", calls=1)
    await sender.send_now(OLEG, "sendMessage", reply("after the outage"))
    rows = await all_rows(sessions)
    assert [(r.chat_id, r.status) for r in rows] == [(DANA, "pending"), (OLEG, "pending")]
    assert rows[0].next_attempt_at >= START + timedelta(seconds=5)
    async with running(sender):
        rows = await until_settled(fake, sessions)
    assert [m.text for m in fake.bot_messages(DANA)] == ["after the flood"]
    assert [m.text for m in fake.bot_messages(OLEG)] == ["after the outage"]
    assert fake.counters.ignored_retry_after == 0 and {r.status for r in rows} == {"sent"}


async def test_a_refused_reply_is_logged_and_not_retried(fake, bot, sessions, clock, caplog):
    sender = sender_for(bot, sessions, clock)
    with caplog.at_level(logging.WARNING, logger="deskbot.delivery"):
        await sender.send_now(DANA, "sendMessage", reply("<b>unclosed"))
    assert fake.bot_messages(DANA) == [] and await all_rows(sessions) == []
    assert any("refused" in r.getMessage() for r in caplog.records)


async def test_a_reminder_on_its_way_while_its_ticket_is_assigned_loses_its_buttons(sessions, clock):
    """The sender holds a reminder in flight; meanwhile a dispatcher assigns the ticket, whose look for
    reminders to strip finds none yet. Whichever commits last, the reminder ends without buttons."""
    async with sessions.begin() as s:
        ticket = await new_ticket(s, clock)
        outbox.send_message(s, chat_id=DISPATCHERS, text="⏰ Not assigned yet", purpose=outbox.NAG,
                            ticket_id=ticket.id, reply_markup=BUTTONS, now=clock.now())
    async with sessions() as s:
        row_id = await s.scalar(select(OutboxMessage.id))

    async def assign() -> None:
        async with sessions.begin() as s:
            shown = await s.get(Ticket, ticket.id)
            shown.status = "assigned"
            await s.flush()
            await outbox.retire_reminder(s, ticket_id=ticket.id, chat_id=DISPATCHERS, now=clock.now())

    async with sessions() as sender, sender.begin():
        row = await outbox.claim(sender, row_id)  # PostgreSQL: locked until this transaction ends
        assignment = asyncio.create_task(assign())
        # SQLite: the assignment commits now; PostgreSQL: it waits for the claimed row.
        await asyncio.wait({assignment}, timeout=1)
        row.status, row.sent_at, row.telegram_message_id = OutboxStatus.SENT, clock.now(), 77
        await outbox.card_sent(sender, ticket_id=ticket.id, chat_id=DISPATCHERS, message_id=77, now=clock.now(),
                               purpose=outbox.NAG)
    await asyncio.wait_for(assignment, 30)

    async with sessions() as s:
        edits = (await s.scalars(select(OutboxMessage).where(OutboxMessage.method == "editMessageReplyMarkup"))).all()
        assert [json.loads(e.payload)["message_id"] for e in edits] == [77]
        assert await s.scalar(select(TelegramMessage).where(TelegramMessage.purpose == outbox.NAG)) is None


async def test_a_reminder_still_on_its_way_when_the_next_is_queued_loses_its_buttons(sessions, clock):
    """The next reminder's sweep looked for the previous one before it was recorded as sent: when the
    newer one leaves, the older one is stripped, so only the newest reminder has buttons."""
    async with sessions.begin() as s:
        ticket = await new_ticket(s, clock)
        await outbox.card_sent(s, ticket_id=ticket.id, chat_id=DISPATCHERS, message_id=41, now=clock.now(),
                               purpose=outbox.NAG)
        await outbox.card_sent(s, ticket_id=ticket.id, chat_id=DISPATCHERS, message_id=42, now=clock.now(),
                               purpose=outbox.NAG)
    async with sessions() as s:
        edits = (await s.scalars(select(OutboxMessage).where(OutboxMessage.method == "editMessageReplyMarkup"))).all()
        assert [json.loads(e.payload)["message_id"] for e in edits] == [41]
        assert await outbox.card_message_id(s, ticket_id=ticket.id, chat_id=DISPATCHERS, purpose=outbox.NAG) == 42
