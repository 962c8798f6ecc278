"""Mail whose sender was recovered from a broken From, stored on SQLite and PostgreSQL."""
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.dispatch.intake import Outcome
from deskbot.mailbox.inbound import Fetched
from deskbot.mailbox.parse import parse_mail
from deskbot.storage.db import session_factory
from deskbot.storage.models import Customer, RawMail, TicketEvent

NOW = datetime(2026, 11, 5, 9, 30, tzinfo=timezone.utc)
MAIL = Path(__file__).resolve().parents[1] / "data" / "mail"


@pytest.fixture
def ingest(engine):
    return Ingest(session_factory(engine), FrozenClock(NOW), MailboxPlace("support@imap.test", "INBOX"),
                  own_addresses={"support@desk.test"}, free_mail_domains={"gmail.com"})


def fetched(uid: int, raw: bytes) -> Fetched:
    return Fetched(uid, raw, parse_mail(raw))


def scanned(reply_to: str, subject: str, message_id: str) -> bytes:
    return (f"From: Scanner <scanner@MFP-2F>\r\nReply-To: {reply_to}\r\nTo: support@desk.test\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{message_id}>\r\n\r\nThe scan.\r\n").encode()


async def test_recovered_senders_open_tickets_say_how_and_thread_by_tag_only_when_already_on_it(ingest, engine):
    first = await ingest.store(1, [fetched(1, (MAIL / "from_exchange_internal_reply_to.eml").read_bytes()),
                                   fetched(2, (MAIL / "address_attack_with_reply_to.eml").read_bytes())], 2)
    later = await ingest.store(1, [
        fetched(3, scanned("ivan.petrov@client.example", "Re: [#1] more", "s1@mfp")),  # the customer: threads
        fetched(4, scanned("boss@client.example", "Re: [#1] more", "s2@mfp")),  # same domain only: a new ticket
    ], 4)

    assert [(r.outcome, r.ticket_id) for r in first + later] == [
        (Outcome.TICKET, 1), (Outcome.QUARANTINE, None), (Outcome.REPLY, 1), (Outcome.TICKET, 2)]
    async with session_factory(engine)() as s:
        events = (await s.execute(select(TicketEvent.ticket_id, TicketEvent.detail)
                                  .where(TicketEvent.kind == "created").order_by(TicketEvent.ticket_id))).all()
        customers = (await s.execute(select(Customer.email, Customer.name).order_by(Customer.id))).all()
        reason = await s.scalar(select(RawMail.reason).where(RawMail.uid == 2))
    assert events == [(1, "by mail from ivan.petrov@client.example; address recovered from Reply-To"),
                      (2, "by mail from boss@client.example; address recovered from Reply-To")]
    assert customers == [("ivan.petrov@client.example", "Petrov, Ivan"), ("boss@client.example", "")]
    assert reason == "no usable sender: From: encoded-word inside the address: '=?utf-8?Q?director?=@victim.example'"
