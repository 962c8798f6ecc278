"""Storing parsed mail, on SQLite and PostgreSQL: tickets, replies, quarantine, duplicates."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.dispatch.intake import Outcome
from deskbot.mailbox.inbound import Address, Attachment, Fetched, InboundMail
from deskbot.storage.db import session_factory
from deskbot.storage.models import Customer, Message, Organization, RawMail, Staff, Ticket, TicketEvent
from deskbot.storage.queries import list_quarantine, list_tickets

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def ingest(engine):
    return Ingest(
        session_factory(engine), FrozenClock(NOW), MailboxPlace("support@imap.test", "INBOX"),
        own_addresses={"support@desk.test"}, free_mail_domains={"gmail.com"},
    )


def fetched(uid, key, sender="anna@client.test", name="Anna", **kw) -> Fetched:
    mail = InboundMail(key=key, size=10, message_id=key, sender=Address(sender, name) if sender else None, **kw)
    return Fetched(uid, f"raw {key}".encode(), mail)


async def count(engine, model) -> int:
    async with session_factory(engine)() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_new_mail_opens_ticket_with_customer_and_organization(ingest, engine):
    results = await ingest.store(7, [fetched(1, "a@x", subject="Printer down", text="It is broken")], 1)
    assert [(r.outcome, r.ticket_id) for r in results] == [(Outcome.TICKET, 1)]
    async with session_factory(engine)() as s:
        ticket = await s.get(Ticket, 1)
        customer = await s.get(Customer, ticket.customer_id)
        org = await s.get(Organization, ticket.organization_id)
        message = await s.scalar(select(Message))
    assert (ticket.subject, ticket.status, ticket.created_at) == ("Printer down", "new", NOW)
    assert (customer.email, customer.name, org.domain) == ("anna@client.test", "Anna", "client.test")
    assert (message.body, message.message_id, message.direction) == ("It is broken", "a@x", "in")
    assert await ingest.state() == (7, 1)
    async with session_factory(engine)() as s:
        [event] = await s.scalars(select(TicketEvent))
    assert (event.ticket_id, event.kind, event.detail, event.at) == (1, "created", "by mail from anna@client.test", NOW)


async def test_free_mail_customer_has_no_organization(ingest, engine):
    await ingest.store(7, [fetched(1, "a@x", sender="bob@gmail.com")], 1)
    async with session_factory(engine)() as s:
        assert (await s.scalar(select(Customer))).organization_id is None
    assert await count(engine, Organization) == 0


async def test_reply_threads_in_the_same_and_a_later_batch(ingest, engine):
    first = [fetched(1, "a@x", subject="Help"), fetched(2, "b@x", in_reply_to=["a@x"], subject="Re: Help")]
    later = [fetched(3, "c@x", references=["a@x", "b@x"], subject="Re: Re: Help")]
    r1 = await ingest.store(7, first, 2)
    r2 = await ingest.store(7, later, 3)
    assert [(r.outcome, r.ticket_id) for r in r1 + r2] == [(Outcome.TICKET, 1), (Outcome.REPLY, 1), (Outcome.REPLY, 1)]
    tickets = await _tickets(engine)
    assert [(t.number, t.message_count) for t in tickets] == [(1, 3)]


async def test_subject_tag_threads_only_for_the_ticket_parties(ingest, engine):
    await ingest.store(7, [fetched(1, "a@x", subject="VPN")], 1)
    results = await ingest.store(7, [
        fetched(2, "b@x", sender="boss@client.test", subject="Re: VPN [#1]"),
        fetched(3, "c@x", sender="mallory@evil.test", subject="Re: VPN [#1]"),
    ], 3)
    assert [(r.outcome, r.ticket_id) for r in results] == [(Outcome.REPLY, 1), (Outcome.TICKET, 2)]


async def test_duplicates_are_skipped_within_and_across_batches(ingest, engine):
    await ingest.store(7, [fetched(1, "a@x"), fetched(2, "a@x")], 2)
    results = await ingest.store(8, [fetched(1, "a@x")], 1)
    assert results[0].outcome is Outcome.DUPLICATE
    assert await count(engine, RawMail) == 1
    assert await count(engine, Ticket) == 1
    assert await ingest.state() == (8, 1)


async def test_quarantine_keeps_the_raw_mail_and_the_reason(ingest, engine):
    results = await ingest.store(7, [
        fetched(1, "a@x", sender=None, sender_error="From header missing"),
        fetched(2, "b@x", auto="Auto-Submitted: auto-replied"),
        fetched(3, "c@x", sender="support@desk.test"),
    ], 3)
    assert [r.outcome for r in results] == [Outcome.QUARANTINE] * 3
    async with session_factory(engine)() as s:
        rows = await list_quarantine(s)
        raw = await s.scalar(select(RawMail.content).where(RawMail.uid == 1))
    assert [r.reason for r in rows] == [
        "no usable sender: From header missing",
        "automatic mail that answers no ticket (Auto-Submitted: auto-replied)",
        "mail from our own address support@desk.test",
    ]
    assert raw == b"raw a@x"
    assert await count(engine, Ticket) == 0


async def test_auto_reply_is_kept_on_its_ticket_without_opening_one(ingest, engine):
    await ingest.store(7, [fetched(1, "a@x")], 1)
    results = await ingest.store(7, [fetched(2, "b@x", in_reply_to=["a@x"], auto="Auto-Submitted: auto-replied")], 2)
    assert (results[0].outcome, results[0].ticket_id) == (Outcome.AUTO, 1)
    async with session_factory(engine)() as s:
        autos = (await s.scalars(select(Message.auto).order_by(Message.id))).all()
    assert autos == [None, "Auto-Submitted: auto-replied"]


async def test_attachments_are_recorded_including_skipped_ones(ingest, engine):
    files = [
        Attachment("report.pdf", "application/pdf", 100, sha256="ab" * 32, stored_path="ab/abab"),
        Attachment("huge.iso", "application/octet-stream", 10**9, skipped_reason="over the size cap"),
    ]
    await ingest.store(7, [fetched(1, "a@x", attachments=files)], 1)
    async with session_factory(engine)() as s:
        from deskbot.storage.models import Attachment as Row
        rows = (await s.scalars(select(Row).order_by(Row.id))).all()
    assert [(r.filename, r.stored_path, r.skipped_reason) for r in rows] == [
        ("report.pdf", "ab/abab", None), ("huge.iso", None, "over the size cap"),
    ]


async def test_poison_values_do_not_stall_the_batch(ingest, engine):
    results = await ingest.store(7, [
        fetched(1, "a@x", name="Nul\x00Name" + "x" * 400, subject="Sub\x00ject", text="bo\x00dy"),
        fetched(2, "b@x", sender="ok@client.test"),
    ], 2)
    assert [r.outcome for r in results] == [Outcome.TICKET, Outcome.TICKET]
    async with session_factory(engine)() as s:
        assert await s.scalar(select(Ticket.subject).where(Ticket.id == 1)) == "Subject"


async def test_customer_name_is_filled_in_later(ingest, engine):
    await ingest.store(7, [fetched(1, "a@x", name="")], 1)
    await ingest.store(7, [fetched(2, "b@x", name="Anna Petrova")], 2)
    async with session_factory(engine)() as s:
        assert (await s.scalar(select(Customer))).name == "Anna Petrova"


async def _tickets(engine):
    async with session_factory(engine)() as s:
        return await list_tickets(s)


async def closed_ticket(ingest, engine, closed: datetime) -> None:
    """Ticket 1, from mail a@x, worked by Sam and closed at `closed`."""
    await ingest.store(7, [fetched(1, "a@x", subject="Help")], 1)
    async with session_factory(engine).begin() as s:
        sam = Staff(telegram_id=1003, name="Sam", roles="specialist")
        s.add(sam)
        await s.flush()
        ticket = await s.get(Ticket, 1)
        ticket.status, ticket.assignee_id, ticket.closed_at = "closed", sam.id, closed


async def test_a_reply_to_a_recently_closed_ticket_reopens_it_for_its_assignee(ingest, engine):
    await closed_ticket(ingest, engine, NOW - timedelta(days=13))
    results = await ingest.store(7, [fetched(2, "b@x", in_reply_to=["a@x"], subject="Re: Help"),
                                     fetched(3, "c@x", in_reply_to=["a@x"], auto="Auto-Submitted: auto-replied")], 3)
    assert [(r.outcome, r.ticket_id, r.reason) for r in results] == [
        (Outcome.REPLY, 1, "reopened"), (Outcome.AUTO, 1, "Auto-Submitted: auto-replied")]
    async with session_factory(engine)() as s:
        ticket = await s.get(Ticket, 1)
        [event] = await s.scalars(select(TicketEvent).where(TicketEvent.kind == "reopened"))
    assert (ticket.status, ticket.closed_at, ticket.assignee_id) == ("assigned", None, 1)
    assert (event.kind, event.staff_id, event.at) == ("reopened", None, NOW)


async def test_an_automatic_mail_alone_never_reopens(ingest, engine):
    await closed_ticket(ingest, engine, NOW - timedelta(days=1))
    await ingest.store(7, [fetched(2, "b@x", in_reply_to=["a@x"], auto="Auto-Submitted: auto-replied")], 2)
    async with session_factory(engine)() as s:
        assert (await s.get(Ticket, 1)).status == "closed"


async def test_a_reply_after_the_window_opens_a_new_ticket_that_follows_the_old(ingest, engine):
    await closed_ticket(ingest, engine, NOW - timedelta(days=15))
    results = await ingest.store(7, [fetched(2, "b@x", in_reply_to=["a@x"], subject="Re: Help"),
                                     fetched(3, "c@x", in_reply_to=["b@x"], subject="Re: Re: Help")], 3)
    assert [(r.outcome, r.ticket_id) for r in results] == [(Outcome.TICKET, 2), (Outcome.REPLY, 2)]
    assert results[0].reason == "follows #1, closed too long ago"
    async with session_factory(engine)() as s:
        old, new = await s.get(Ticket, 1), await s.get(Ticket, 2)
        created = await s.scalar(select(TicketEvent.detail).where(TicketEvent.ticket_id == 2))
    assert (old.status, new.status, new.follows_id) == ("closed", "new", 1)
    assert created == "by mail from anna@client.test, follows #1"


async def waiting_ticket(ingest, engine) -> None:
    await closed_ticket(ingest, engine, NOW - timedelta(days=1))
    async with session_factory(engine).begin() as s:
        ticket = await s.get(Ticket, 1)
        ticket.status, ticket.closed_at, ticket.waiting_since = "waiting", None, NOW - timedelta(hours=5)


async def test_the_customers_reply_puts_a_waiting_ticket_back_in_work(ingest, engine):
    await waiting_ticket(ingest, engine)
    await ingest.store(7, [fetched(2, "b@x", in_reply_to=["a@x"], subject="Re: Help")], 2)
    async with session_factory(engine)() as s:
        ticket = await s.get(Ticket, 1)
        [event] = await s.scalars(select(TicketEvent).where(TicketEvent.kind == "resumed"))
    assert (ticket.status, ticket.waiting_since, ticket.updated_at) == ("in_progress", None, NOW)
    assert (event.ticket_id, event.staff_id, event.detail) == (1, None, "the customer replied")


async def test_an_out_of_office_is_no_answer_to_a_waiting_ticket(ingest, engine):
    await waiting_ticket(ingest, engine)
    await ingest.store(7, [fetched(2, "b@x", in_reply_to=["a@x"], auto="Auto-Submitted: auto-replied")], 2)
    async with session_factory(engine)() as s:
        ticket = await s.get(Ticket, 1)
    assert (ticket.status, ticket.waiting_since) == ("waiting", NOW - timedelta(hours=5))
