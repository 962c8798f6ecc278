"""Quarantined mail, on SQLite and PostgreSQL: kept aside with its kind, told once, released or dismissed once."""
from datetime import datetime, timezone

from prometheus_client import REGISTRY
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DataError

from deskbot.bot.render.texts import Texts
from deskbot.bot.sweeps.quarantine import announce_kept_aside, summarize_machine_mail
from deskbot.dispatch import quarantine
from deskbot.dispatch.batch import BatchWriter
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.dispatch.intake import Outcome
from deskbot.dispatch.tickets import Refused
from deskbot.mailbox.inbound import Fetched
from deskbot.mailbox.parse import parse_mail
from deskbot.storage.db import session_factory
from deskbot.storage.models import (
    Customer, Message, OutboxMessage, OutboxStatus, QuarantineEvent, QuarantineItem, Staff, Ticket,
    TicketEvent,
)
from harness.mails import make_mail

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
CHAT = -1001
EN = Texts("en")


@pytest.fixture
def config(tmp_path):
    return Config.model_validate({
        "mailbox": {"host": "imap.test", "username": "support@desk.test", "attachments_dir": str(tmp_path / "files"),
                    "free_mail_domains": ["gmail.com"]},
        "telegram": {"dispatcher_chat_id": CHAT, "language": "en"}})


@pytest.fixture
def ingest(engine, config):
    return Ingest(session_factory(engine), FrozenClock(NOW), MailboxPlace("support@imap.test", "INBOX"),
                  own_addresses=config.own_addresses, free_mail_domains={"gmail.com"})


def fetched(uid: int, raw: bytes) -> Fetched:
    return Fetched(uid, raw, parse_mail(raw))


NO_SENDER = make_mail("Help <me>", sender="Anna Petrova", body="Please <b>call</b> me & soon\n")
AUTO = make_mail("Out of office", headers={"Auto-Submitted": "auto-replied"})
OURS = make_mail("Loop", sender="Desk <support@desk.test>")
PERSON = make_mail("Invoice", sender="Bob <bob@gmail.com>", body="Where is my invoice?\n")


async def items(engine) -> list[QuarantineItem]:
    async with session_factory(engine)() as s:
        return list(await s.scalars(select(QuarantineItem).order_by(QuarantineItem.raw_id)))


async def dina(engine, roles: str = "dispatcher") -> Staff:
    async with session_factory(engine).begin() as s:
        person = Staff(telegram_id=1001 + len(roles), name="Dina", roles=roles)
        s.add(person)
    return person


async def test_ingest_keeps_a_persons_mail_and_machine_mail_apart(ingest, engine):
    results = await ingest.store(7, [fetched(1, NO_SENDER), fetched(2, AUTO), fetched(3, OURS)], 3)
    assert [r.outcome for r in results] == [Outcome.QUARANTINE] * 3
    kept = await items(engine)
    assert [(i.kind, i.status, i.announced_at, i.subject) for i in kept] == [
        ("person", "open", None, "Help <me>"), ("machine", "open", None, "Out of office"),
        ("machine", "open", None, "Loop")]
    assert kept[0].sender == "Anna Petrova"  # the From as it was written: what the dispatcher needs to see


async def test_mail_the_database_refused_reaches_a_person(ingest, engine, monkeypatch):
    real = BatchWriter.write

    async def refusing(self, batch):
        if any(item.mail.subject == "Invoice" for item in batch):
            raise DataError("INSERT", {}, Exception("invalid byte sequence"))
        return await real(self, batch)
    monkeypatch.setattr(BatchWriter, "write", refusing)
    results = await ingest.store(7, [fetched(1, PERSON), fetched(2, AUTO)], 2)
    assert [r.outcome for r in results] == [Outcome.QUARANTINE, Outcome.QUARANTINE]
    assert results[0].reason.startswith("could not be stored")
    assert [(i.raw_id, i.kind) for i in await items(engine)] == [(1, "person"), (2, "machine")]


async def test_people_are_told_once_and_machine_mail_is_counted_once(ingest, engine, config):
    await ingest.store(7, [fetched(1, NO_SENDER), fetched(2, AUTO), fetched(3, OURS)], 3)
    sessions = session_factory(engine)
    async with sessions.begin() as s:
        assert await announce_kept_aside(s, config, EN, NOW, budget=0) == 0  # the chat is full: it waits
        assert await announce_kept_aside(s, config, EN, NOW, budget=20) == 1
        assert await announce_kept_aside(s, config, EN, NOW, budget=20) == 0
        assert await summarize_machine_mail(s, config, EN, NOW) == 2
        assert await summarize_machine_mail(s, config, EN, NOW) == 0  # nothing new: no message
    async with sessions() as s:
        sent = (await s.execute(select(OutboxMessage.purpose, OutboxMessage.payload).order_by(OutboxMessage.id))).all()
    assert [purpose for purpose, _ in sent] == ["quarantine", "quarantine-summary"]
    assert "Please &lt;b&gt;call&lt;/b&gt; me &amp; soon" in sent[0][1] and '"callback_data":"q1:1:ticket"' in sent[0][1]
    assert "2 automatic mails" in sent[1][1]


async def test_a_burst_of_people_is_listed_in_one_message(ingest, engine, config):
    await ingest.store(7, [fetched(n, make_mail(f"Help {n}", sender="Anna")) for n in range(1, 6)], 5)
    async with session_factory(engine).begin() as s:
        assert await announce_kept_aside(s, config, EN, NOW, budget=20) == 5
        [payload] = await s.scalars(select(OutboxMessage.payload))
    assert "5 people's mails were kept aside" in payload and "/quarantine_5 Help 5" in payload


async def test_release_opens_a_ticket_through_the_intake_and_logs_it(ingest, engine, config):
    await ingest.store(7, [fetched(1, PERSON), fetched(2, NO_SENDER)], 2)  # 1 is a ticket; 2 is kept aside
    await ingest.store(7, [fetched(3, make_mail("Invoice again", sender="Bob <bob@gmail.com>",
                                                 headers={"Precedence": "bulk"}))], 3)
    person = await dina(engine)
    released = REGISTRY.get_sample_value("deskbot_tickets_created_total", {"source": "released"})
    async with session_factory(engine).begin() as s:
        without = await quarantine.release(s, 2, person, config, NOW)
        with_address = await quarantine.release(s, 3, None, config, NOW)
    assert REGISTRY.get_sample_value("deskbot_tickets_created_total", {"source": "released"}) - released == 2
    async with session_factory(engine)() as s:
        first, second = await s.get(Ticket, without), await s.get(Ticket, with_address)
        assert (first.status, first.customer_id, first.announced_at, first.subject) == ("new", None, None, "Help <me>")
        assert (await s.get(Customer, second.customer_id)).email == "bob@gmail.com"  # the customer of ticket 1
        assert (first.acknowledged_at, second.acknowledged_at) == (None, NOW)  # bulk mail gets no acknowledgement
        assert await s.scalar(select(Message.body).where(Message.ticket_id == without)) == "Please <b>call</b> me & soon"
        created = dict((await s.execute(select(TicketEvent.ticket_id, TicketEvent.detail)
                                        .where(TicketEvent.kind == "created"))).all())
        logged = (await s.execute(select(QuarantineEvent.raw_id, QuarantineEvent.kind, QuarantineEvent.ticket_id,
                                         QuarantineEvent.staff_id).order_by(QuarantineEvent.id))).all()
    assert created[without] == "released from quarantine (mail 2) by Dina, no reply address"
    assert created[with_address] == "released from quarantine (mail 3) from the command line, mail from bob@gmail.com"
    assert logged == [(2, "released", without, person.id), (3, "released", with_address, None)]
    assert [(i.status, i.ticket_id) for i in await items(engine)] == [("released", without), ("released", with_address)]


async def test_a_decision_is_made_once_and_the_second_is_told_what_became_of_it(ingest, engine, config):
    await ingest.store(7, [fetched(1, NO_SENDER), fetched(2, AUTO)], 2)
    person = await dina(engine)
    async with session_factory(engine).begin() as s:
        number = await quarantine.release(s, 1, person, config, NOW)
        await quarantine.dismiss(s, 2, None, NOW)
    for decide in (lambda s: quarantine.dismiss(s, 1, None, NOW), lambda s: quarantine.release(s, 1, None, config, NOW)):
        with pytest.raises(Refused) as refused:
            async with session_factory(engine).begin() as s:
                await decide(s)
        assert (refused.value.key, refused.value.args_for_text) == (
            "quarantine-already-released", {"id": 1, "number": number, "who": "Dina"})
    with pytest.raises(Refused) as refused:
        async with session_factory(engine).begin() as s:
            await quarantine.release(s, 2, person, config, NOW)
    assert refused.value.key == "quarantine-already-dismissed-cli"
    with pytest.raises(Refused) as refused:
        async with session_factory(engine).begin() as s:
            await quarantine.dismiss(s, 99, person, NOW)
    assert refused.value.key == "quarantine-not-found"
    async with session_factory(engine)() as s:
        assert await s.scalar(select(func.count()).select_from(Ticket)) == 1
        assert await s.scalar(select(func.count()).select_from(QuarantineEvent)) == 2


async def test_only_a_dispatcher_decides(ingest, engine, config):
    await ingest.store(7, [fetched(1, NO_SENDER)], 1)
    specialist = await dina(engine, roles="specialist")
    with pytest.raises(Refused) as refused:
        async with session_factory(engine).begin() as s:
            await quarantine.dismiss(s, 1, specialist, NOW)
    assert refused.value.key == "quarantine-dispatchers-only"
    assert [i.status for i in await items(engine)] == ["open"]


async def test_recent_lists_open_items_newest_first(ingest, engine, config):
    await ingest.store(7, [fetched(n, make_mail(f"Help {n}", sender="Anna")) for n in range(1, 5)], 4)
    async with session_factory(engine).begin() as s:
        await quarantine.dismiss(s, 3, None, NOW)
    async with session_factory(engine)() as s:
        total, page = await quarantine.recent(s, 0, 2)
        _, rest = await quarantine.recent(s, 2, 2)
    assert (total, [i.raw_id for i in page], [i.raw_id for i in rest]) == (3, [4, 2], [1])


async def test_the_migration_carries_mail_quarantined_before_over_without_announcing_it(db_url):
    from sqlalchemy import text

    from deskbot.storage import migrate
    from deskbot.storage.db import create_engine

    engine = create_engine(db_url)
    try:
        await migrate.upgrade(engine, "0006")
        async with engine.begin() as conn:
            for raw_id, reason, raw in [(1, "no usable sender: From: no @", NO_SENDER),
                                        (2, "automatic mail that answers no ticket (x)", AUTO)]:
                await conn.execute(text(
                    "INSERT INTO raw_mail (id, mailbox, message_key, folder, uidvalidity, uid, size, content,"
                    " received_at, outcome, reason) VALUES (:id, 'm', :key, 'INBOX', 1, :uid, 1, :content,"
                    " :at, 'quarantine', :reason)"),
                    {"id": raw_id, "uid": raw_id, "key": f"k{raw_id}", "content": raw, "at": NOW.replace(tzinfo=None),
                     "reason": reason})
        await migrate.upgrade(engine)
        kept = await items(engine)
    finally:
        await engine.dispose()
    assert [(i.raw_id, i.kind, i.status, i.sender, i.subject) for i in kept] == [
        (1, "person", "open", "Anna Petrova", "Help <me>"), (2, "machine", "open", "Anna Petrova <anna@client.test>",
                                                             "Out of office")]
    assert all(i.announced_at is not None for i in kept)  # listed by /quarantine, not flooded into the chat


async def test_notices_wait_while_the_chat_is_full_then_come(ingest, engine, config):
    from deskbot.bot.sweeps.budget import chat_budget
    from deskbot.dispatch import outbox

    await ingest.store(7, [fetched(1, NO_SENDER)], 1)
    async with session_factory(engine).begin() as s:
        for n in range(20):  # a burst's digests and cards, not yet sent: the group's minute is spent
            outbox.send_message(s, chat_id=CHAT, text=f"digest {n}", purpose="digest", now=NOW)
        assert await announce_kept_aside(s, config, EN, NOW, await chat_budget(s, CHAT)) == 0
        await s.execute(update(OutboxMessage).values(status=OutboxStatus.SENT))
        assert await announce_kept_aside(s, config, EN, NOW, await chat_budget(s, CHAT)) == 1


async def test_a_decided_item_is_never_announced_later(ingest, engine, config):
    await ingest.store(7, [fetched(1, NO_SENDER)], 1)
    async with session_factory(engine).begin() as s:
        await quarantine.dismiss(s, 1, None, NOW)
        assert await announce_kept_aside(s, config, EN, NOW, budget=20) == 0
    [item] = await items(engine)
    assert (item.announced_at, item.decided_at) == (NOW, NOW)
