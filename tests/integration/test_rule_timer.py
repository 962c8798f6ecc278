"""Rules on time (dispatch/rule_timer.py) with a shifted clock, and what firings tell (bot/sweeps/ruled.py),
on SQLite and PostgreSQL."""
import json
from email import message_from_string
from email.policy import default
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from deskbot.bot.notify import Notifier
from deskbot.bot.render.texts import Texts
from deskbot.bot.sweeps.ruled import tell_firings
from deskbot.dispatch import tickets
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.dispatch.rule_actions import Routing
from deskbot.dispatch.rule_timer import fire_timed
from deskbot.mailbox.inbound import Address, Fetched, InboundMail
from deskbot.storage.db import session_factory
from deskbot.storage.models import Message, OutboxMessage, RuleFiring, Staff, Ticket

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
CONFIG = Config.model_validate({
    "mailbox": {"host": "imap.test", "username": "support@desk.test"},
    "smtp": {"from_address": "Desk <support@desk.test>"},
    "departments": [{"key": "support", "name": "Support"}],
    "staff": [{"name": "Dana", "telegram_id": 11, "departments": ["support"], "roles": ["dispatcher"]},
              {"name": "Ivan", "telegram_id": 12, "departments": ["support"]}],
    "rule_sets": {"late": "all"},
    "rules": [
        {"name": "Unassigned 30m", "set": "late", "on": "unassigned", "after": "30m", "priority": "high",
         "notify": ["Dana"]},
        {"name": "Unassigned 2h", "set": "late", "on": "unassigned", "after": "2h", "assign": "Ivan",
         "in_hours": True},
        {"name": "No answer 1h", "set": "quiet", "on": "unanswered", "after": "1h", "tags": ["quiet"],
         "reply": "sorry"},
        {"name": "Stuck", "on": "untouched", "after": "1d", "subject": ["vpn"], "priority": "urgent"},
    ],
    "mail_templates": [{"key": "sorry", "subject": {"en": "Still on it: {subject}"},
                        "text": {"en": "Dear {name}, ticket {number} is in the queue."}}],
})


@pytest.fixture
async def sessions(engine):
    sessions = session_factory(engine)
    async with sessions.begin() as s:
        s.add_all([Staff(telegram_id=11, name="Dana", roles="dispatcher", active=True),
                   Staff(telegram_id=12, name="Ivan", roles="specialist", active=True)])
    ingest = Ingest(sessions, FrozenClock(T0), MailboxPlace("support@imap.test", "INBOX"),
                    own_addresses={"support@desk.test"}, free_mail_domains=set(), routing=Routing.of(CONFIG))
    mails = [InboundMail(key=k, size=1, message_id=k, sender=Address("anna@client.test", "Anna"), subject=s, text="t")
             for k, s in [("a@x", "Printer"), ("b@x", "VPN down")]]
    await ingest.store(1, [Fetched(n + 1, b"raw", m) for n, m in enumerate(mails)], 2)
    return sessions


async def fire(sessions, at: timedelta, open_hours: bool = True) -> list[tuple[int, str]]:
    """The firings made by one sweep at T0 + at."""
    async with sessions.begin() as s:
        before = {f.id for f in await s.scalars(select(RuleFiring))}
        await fire_timed(s, Routing(Routing.of(CONFIG).book, lambda _now: open_hours), T0 + at)
    async with sessions() as s:
        return sorted((f.ticket_id, f.rule) for f in await s.scalars(select(RuleFiring)) if f.id not in before)


async def test_time_rules_fire_once_when_due(sessions):
    assert await fire(sessions, timedelta(minutes=29)) == []
    assert await fire(sessions, timedelta(minutes=31)) == [(1, "Unassigned 30m"), (2, "Unassigned 30m")]
    assert await fire(sessions, timedelta(minutes=45)) == []  # once per ticket
    async with sessions.begin() as s:  # a dispatcher answers ticket 2's customer: it is answered
        s.add(Message(ticket_id=2, direction="out", body="on it", created_at=T0 + timedelta(minutes=50)))
    assert await fire(sessions, timedelta(minutes=61)) == [(1, "No answer 1h")]
    # Outside business hours the 2 h rule waits; inside them it fires.
    assert await fire(sessions, timedelta(hours=2, minutes=1), open_hours=False) == []
    assert await fire(sessions, timedelta(hours=3), open_hours=True) == [(1, "Unassigned 2h"), (2, "Unassigned 2h")]
    async with sessions() as s:
        one = await s.get(Ticket, 1)
        assert (one.status, one.assigned_by_rule, one.priority, one.tags) == ("assigned", "Unassigned 2h", "high", "quiet")
    # Untouched for a day, and about a VPN: only ticket 2.
    assert await fire(sessions, timedelta(days=1, hours=3, minutes=1)) == [(2, "Stuck")]
    assert await fire(sessions, timedelta(days=3)) == []


async def test_firings_tell_the_assignee_the_named_people_and_the_customer(sessions):
    await fire(sessions, timedelta(hours=3))
    texts = Texts("en")
    async with sessions.begin() as s:
        queued = await tell_firings(s, CONFIG, texts, Notifier(CONFIG, texts), T0 + timedelta(hours=3))
    async with sessions.begin() as s:
        again = await tell_firings(s, CONFIG, texts, Notifier(CONFIG, texts), T0 + timedelta(hours=3))
        rows = list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        untold = list(await s.scalars(select(RuleFiring).where(RuleFiring.told_at.is_(None))))
    assert (again, untold) == (0, [])
    telegram = [(r.chat_id, r.purpose, json.loads(r.payload)["text"]) for r in rows if r.channel == "telegram"]
    mail = [r for r in rows if r.channel == "email"]
    assert queued == len(rows) == len(telegram) + len(mail)
    notices = [text for chat, purpose, text in telegram if purpose == "rule"]
    assert len(notices) == 2 and all(chat == 11 for chat, purpose, _ in telegram if purpose == "rule")
    assert "Rule «Unassigned 30m» on ticket #1 (no conditions)" in notices[0]
    cards = [(chat, text) for chat, purpose, text in telegram if purpose == "card"]
    assert [chat for chat, _ in cards] == [12, 12]  # Ivan got both tickets, as if a dispatcher assigned them
    assert "Assigned to you by rule «Unassigned 2h»" in cards[0][1]
    assert [r.ticket_id for r in mail] == [1, 2]  # neither customer was answered in 3 hours
    sorry = message_from_string(json.loads(mail[0].payload)["data"], policy=default)
    assert (sorry["Subject"], sorry["Auto-Submitted"]) == ("Still on it: Printer [#1]", "auto-generated")
    assert "Dear Anna, ticket 1 is in the queue." in sorry.get_body(("plain",)).get_content()
