"""Mail out, on both databases, into a real SMTP server on loopback (aiosmtpd).

Acknowledgements of new tickets (RFC 3834, in the customer's thread, once), and the
e-mail sender draining the outbox: an SMTP outage loses nothing and sends nothing twice,
a refusal is recorded. The sender's backoff runs on a frozen clock its sleeps move.
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from deskbot.bot.render.texts import Texts
from deskbot.dispatch.acknowledge import ACK_WITHIN, acknowledge_due, takes_replies
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.dispatch.mailout import MailSender
from deskbot.mailbox.smtp import SmtpSettings
from deskbot.storage.db import session_factory
from deskbot.storage.models import Customer, Message, OutboxMessage, OutboxStatus, Ticket
from harness.mails import eventually

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CONFIG = Config.model_validate({
    "mailbox": {"host": "imap.test", "username": "support@desk.test"},
    "smtp": {"host": "127.0.0.1", "from_address": "Desk Support <support@desk.test>"},
})


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


async def new_ticket(sessions, clock, email: str, subject: str = "VPN is down", *, name: str = "Anna Petrova",
                     message_id: str | None = "m1@client.test") -> int:
    async with sessions.begin() as s:
        customer = await s.scalar(select(Customer).where(Customer.email == email))
        if customer is None:
            customer = Customer(email=email, name=name, created_at=clock.now())
            s.add(customer)
            await s.flush()
        ticket = Ticket(subject=subject, status="new", customer_id=customer.id, created_at=clock.now(),
                        updated_at=clock.now())
        s.add(ticket)
        await s.flush()
        s.add(Message(ticket_id=ticket.id, direction="in", message_id=message_id, sender_email=email,
                      subject=subject, body="Help.", created_at=clock.now()))
        return ticket.id


async def acknowledge(sessions, clock, lang: str = "en") -> int:
    async with sessions.begin() as s:
        return await acknowledge_due(s, CONFIG, Texts(lang), clock.now())


def virtual_sleep(clock: FrozenClock):
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0.01)
    return sleep


@asynccontextmanager
async def sending(sessions, clock, sink, **options):
    settings = SmtpSettings(host=sink.host, port=sink.port, security="none", timeout=5)
    sender = MailSender(settings, sessions, clock, sleep=virtual_sleep(clock), jitter=lambda: 0.0, **options)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        yield sender
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def mail_rows(sessions) -> list[OutboxMessage]:
    async with sessions() as s:
        return list(await s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")
                                    .order_by(OutboxMessage.id)))


async def settled(sessions) -> list[OutboxMessage] | None:
    rows = await mail_rows(sessions)
    return rows if rows and all(r.status != OutboxStatus.PENDING for r in rows) else None


async def test_a_new_ticket_is_acknowledged_once_in_the_customers_thread(sessions, clock, smtp_sink):
    number = await new_ticket(sessions, clock, "anna@client.test", "Не работает <VPN>")
    assert await acknowledge(sessions, clock, "ru") == 1
    assert await acknowledge(sessions, clock, "ru") == 0  # once
    async with sending(sessions, clock, smtp_sink):
        [row] = await eventually(lambda: settled(sessions), timeout=10, what="the acknowledgement sent")
    [received] = smtp_sink.received
    msg = received.message
    assert (received.mail_from, received.rcpt_to) == ("support@desk.test", ["anna@client.test"])
    assert msg["Subject"] == f"Re: Не работает <VPN> [#{number}]"
    assert msg["Auto-Submitted"] == "auto-replied" and msg["In-Reply-To"] == "<m1@client.test>"
    text = msg.get_body(("plain",)).get_content()
    assert f"под номером #{number}" in text and f"[#{number}]" in text and "Desk Support" in text
    async with sessions() as s:
        stored = await s.scalar(select(Message).where(Message.direction == "out"))
    assert f"<{stored.message_id}>" == msg["Message-ID"]  # a reply to it threads into the ticket
    assert (stored.ticket_id, stored.auto, stored.sent_at) == (number, "acknowledgement", START)
    assert (row.status, row.purpose, row.attempts) == ("sent", "ack", 1)


async def test_no_acknowledgement_to_addresses_that_take_no_replies_to_us_or_late(sessions, clock, smtp_sink):
    for address in ("noreply@shop.test", "MAILER-DAEMON@mx.test", "list-request@lists.test", "support@desk.test"):
        await new_ticket(sessions, clock, address, message_id=None)
    old = await new_ticket(sessions, clock, "bob@client.test", message_id=None)
    clock.advance(ACK_WITHIN + timedelta(minutes=1))
    fresh = await new_ticket(sessions, clock, "carol@client.test", message_id=None)
    assert await acknowledge(sessions, clock) == 1
    [row] = await mail_rows(sessions)
    assert row.ticket_id == fresh and row.ticket_id != old
    async with sessions() as s:
        assert all(t.acknowledged_at for t in await s.scalars(select(Ticket)))  # none is looked at again
    assert takes_replies("anna.noreply-fan@client.test") and not takes_replies("no-reply+x@shop.test")


async def test_an_smtp_outage_delays_mail_and_loses_or_repeats_none(sessions, clock, smtp_sink):
    for n in range(3):
        await new_ticket(sessions, clock, f"c{n}@client.test", f"Request {n}", message_id=f"m{n}@client.test")
    assert await acknowledge(sessions, clock) == 3
    smtp_sink.stop()
    async with sending(sessions, clock, smtp_sink) as sender:
        async def retried():
            rows = await mail_rows(sessions)
            return rows[0].attempts >= 3
        await eventually(retried, timeout=10, what="three attempts while the server is away")
        rows = await mail_rows(sessions)
        assert all(r.status == "pending" for r in rows) and "SMTPConnect" in rows[0].last_error, rows[0].last_error
        smtp_sink.start()
        sender.wake()
        rows = await eventually(lambda: settled(sessions), timeout=30, what="every acknowledgement sent")
    assert {r.status for r in rows} == {"sent"}
    assert sorted(r.message["Subject"] for r in smtp_sink.received) == [
        f"Re: Request {n} [#{n + 1}]" for n in range(3)]  # each once


async def test_a_message_the_server_refuses_is_recorded_and_not_retried(sessions, clock, smtp_sink):
    await new_ticket(sessions, clock, "gone@client.test")
    await acknowledge(sessions, clock)
    smtp_sink.answer = "550 5.1.1 mailbox unavailable"
    async with sending(sessions, clock, smtp_sink):
        [row] = await eventually(lambda: settled(sessions), timeout=10, what="the refusal recorded")
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "550 5.1.1 mailbox unavailable")
    assert smtp_sink.received == []
