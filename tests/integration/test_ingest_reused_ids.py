"""Real mails (parsed from bytes) that reuse a Message-ID, on SQLite and PostgreSQL: stored, threaded carefully."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.dispatch.intake import Outcome
from deskbot.mailbox.inbound import Fetched
from deskbot.mailbox.parse import parse_mail
from deskbot.storage.db import session_factory
from deskbot.storage.models import Message, RawMail
from deskbot.storage.queries import list_tickets
from harness.mails import make_mail

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
REUSED = "<notification@itsm.vendor.test>"


@pytest.fixture
def ingest(engine):
    return Ingest(
        session_factory(engine), FrozenClock(NOW), MailboxPlace("support@imap.test", "INBOX"),
        own_addresses={"support@desk.test"}, free_mail_domains={"gmail.com"},
    )


def fetched(uid: int, raw: bytes) -> Fetched:
    return Fetched(uid, raw, parse_mail(raw))


def itsm(subject: str, body: str) -> bytes:
    return make_mail(subject, "ITSM <itsm@vendor.test>", body, message_id=REUSED)


def delivered(raw: bytes, hop: str) -> bytes:
    """The same mail as another delivery hands it over: trace headers on top."""
    return f"Delivered-To: {hop}@desk.test\r\nReceived: from {hop}; Mon, 2 Nov 2026 09:00:0{len(hop)} +0000\r\n".encode() + raw


async def outcomes(ingest, uidvalidity, *raws, first_uid=1):
    batch = [fetched(first_uid + n, raw) for n, raw in enumerate(raws)]
    return [(r.outcome, r.ticket_id) for r in await ingest.store(uidvalidity, batch, batch[-1].uid)]


async def tickets(engine):
    async with session_factory(engine)() as s:
        return [(t.number, t.subject, t.message_count) for t in await list_tickets(s)]


async def test_two_mails_sharing_a_message_id_are_two_tickets_in_one_batch_and_across_batches(ingest, engine):
    assert await outcomes(ingest, 7, itsm("INC-1 opened", "Printer down"), itsm("INC-2 opened", "VPN down")) == [
        (Outcome.TICKET, 1), (Outcome.TICKET, 2)]
    assert await outcomes(ingest, 7, itsm("INC-3 opened", "Mail down"), first_uid=3) == [(Outcome.TICKET, 3)]
    assert await tickets(engine) == [(1, "INC-1 opened", 1), (2, "INC-2 opened", 1), (3, "INC-3 opened", 1)]
    async with session_factory(engine)() as s:
        keys = list(await s.scalars(select(RawMail.message_key).order_by(RawMail.id)))
    assert len(set(keys)) == 3 and all(k.startswith("notification@itsm.vendor.test ") for k in keys)


async def test_the_same_mail_delivered_twice_is_one_ticket(ingest, engine):
    mail = itsm("INC-1 opened", "Printer down")
    first = await outcomes(ingest, 7, delivered(mail, "mx1"), delivered(mail, "mx22"))
    later = await outcomes(ingest, 7, delivered(mail, "mx333"), first_uid=3)
    assert first + later == [(Outcome.TICKET, 1), (Outcome.DUPLICATE, None), (Outcome.DUPLICATE, None)]
    assert await tickets(engine) == [(1, "INC-1 opened", 1)]


async def test_a_refetch_after_a_crash_is_known_and_no_duplicate(ingest, engine):
    a, b = itsm("INC-1 opened", "Printer down"), itsm("INC-2 opened", "VPN down")
    await outcomes(ingest, 7, a)
    # What the poller asks before flagging leftovers: the first is stored, the second (same Message-ID) is not.
    known = await ingest.known_keys([parse_mail(a).key, parse_mail(b).key])
    assert known == {parse_mail(a).key}
    assert await outcomes(ingest, 7, a, b) == [(Outcome.DUPLICATE, None), (Outcome.TICKET, 2)]
    assert [n for n, *_ in await tickets(engine)] == [1, 2]


async def test_a_reply_to_a_message_id_on_two_tickets_opens_a_new_ticket_and_says_why(ingest, engine):
    await outcomes(ingest, 7, itsm("INC-1 opened", "Printer down"))
    reply = make_mail("Re: INC-2 opened", body="Is it fixed?", in_reply_to=REUSED)
    # In one batch: the second ITSM mail opens ticket 2, then the reply cannot tell 1 from 2.
    results = await ingest.store(7, [fetched(2, itsm("INC-2 opened", "VPN down")), fetched(3, reply)], 3)
    assert [(r.outcome, r.ticket_id) for r in results] == [(Outcome.TICKET, 2), (Outcome.TICKET, 3)]
    expected = "its reference <notification@itsm.vendor.test> is on tickets #1, #2: a new ticket rather than a guess"
    assert results[1].reason == expected
    async with session_factory(engine)() as s:
        assert await s.scalar(select(RawMail.reason).where(RawMail.uid == 3)) == expected
    # A later batch: the same, from the database.
    again = await ingest.store(7, [fetched(4, make_mail("Re: INC-1", body="?", in_reply_to=REUSED))], 4)
    assert [(r.outcome, r.ticket_id, r.reason) for r in again] == [(Outcome.TICKET, 4, expected)]


async def test_a_message_id_on_one_ticket_still_threads(ingest, engine):
    await outcomes(ingest, 7, itsm("INC-1 opened", "Printer down"))
    assert await outcomes(ingest, 7, itsm("INC-1 updated [#1]", "Still down"), first_uid=2) == [(Outcome.REPLY, 1)]
    # The second ITSM mail joined ticket 1 by its tag: the reused Message-ID is on one ticket only.
    reply = make_mail("Re: INC-1 opened", body="Thanks", in_reply_to=REUSED)
    assert await outcomes(ingest, 7, reply, first_uid=3) == [(Outcome.REPLY, 1)]
    assert await tickets(engine) == [(1, "INC-1 opened", 3)]


async def test_our_own_message_id_and_an_allowed_tag_beat_an_ambiguous_one(ingest, engine):
    await outcomes(ingest, 7, itsm("INC-1 opened", "Printer down"), itsm("INC-2 opened", "VPN down"))
    async with session_factory(engine).begin() as s:
        s.add(Message(ticket_id=2, direction="out", message_id="answer-2@desk.test", sender_email="support@desk.test",
                      subject="Re: INC-2 opened [#2]", body="We are on it", created_at=NOW))
    to_our_answer = make_mail("Re: INC-2", "ITSM <itsm@vendor.test>", "ok", in_reply_to="<answer-2@desk.test>",
                              headers={"References": f"{REUSED} <answer-2@desk.test>"})
    tagged = make_mail("Re: INC-1 opened [#1]", "ITSM <itsm@vendor.test>", "ok", in_reply_to=REUSED)
    stranger = make_mail("Re: INC-1 opened [#1]", "Eve <eve@evil.test>", "ok", in_reply_to=REUSED)
    results = await outcomes(ingest, 7, to_our_answer, tagged, stranger, first_uid=3)
    assert results == [(Outcome.REPLY, 2), (Outcome.REPLY, 1), (Outcome.TICKET, 3)]


async def test_within_a_batch_a_message_id_counts_only_where_the_mail_is_kept(ingest, engine):
    """As a later batch would read the database: a quarantined mail's Message-ID is on no ticket."""
    await outcomes(ingest, 7, make_mail("VPN", message_id="<vpn@client.test>"))
    no_sender = make_mail("Re: VPN", sender="", message_id="<lost@client.test>", in_reply_to="<vpn@client.test>")
    answer = make_mail("Re: Re: VPN", body="And?", in_reply_to="<lost@client.test>")
    assert await outcomes(ingest, 7, no_sender, answer, first_uid=2) == [(Outcome.QUARANTINE, None), (Outcome.TICKET, 2)]
