"""The conversation end to end: a colleague's notes stay inside, a closed ticket reopens or is
followed, a silent customer's ticket closes by itself. Dovecot in, the aiosmtpd sink and the
fake Telegram out; people play through the fake's control API.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from deskbot.app import service
from deskbot.dispatch.config import load_config
from deskbot.storage.db import create_engine, session_factory
from deskbot.storage.models import Message, Ticket
from harness.desk import dispatch_sections, write_config
from deskbot.demo.botapi import FakeTelegram
from harness.mails import eventually, make_mail
from harness.service_run import DANA, DISPATCHERS, SAM, Service, assigned_to_sam, deskbot_run, people
from harness.smtp import smtp_section

pytestmark = pytest.mark.dovecot
SECRET = "the core switch admin password is hunter2"


async def test_a_colleagues_notes_never_reach_the_customer(tmp_path, dovecot, smtp_sink):
    async with FakeTelegram() as fake:
        people(fake)
        async with deskbot_run(tmp_path, dovecot, fake, smtp=smtp_sink) as desk:
            dovecot.append(make_mail("Switch down", message_id="<s1@client.test>"))
            private = await assigned_to_sam(desk, fake, "Switch down")
            await desk.press(SAM, SAM, private.message_id, "Ask a colleague")
            whom = await fake.wait_for_bot_message(SAM, text_contains="Whom should I ask", timeout=10)
            await desk.press(SAM, SAM, whom.message_id, "Support")
            await desk.press(SAM, SAM, whom.message_id, "Dana")
            fake.user_message(SAM, "Dana, what is the admin password of the core switch?")
            request = await fake.wait_for_bot_message(DANA, text_contains="Sam asks for your help on #1", timeout=10)

            fake.user_message(DANA, f"Internal: {SECRET}.", reply_to=request.message_id)
            note = await fake.wait_for_bot_message(SAM, text_contains="Dana, internal note on #1", timeout=10)
            assert SECRET in note.text and note.reply_to_message_id == private.message_id
            fake.user_message(SAM, "Thanks, logged in.", reply_to=note.message_id)  # a note back, not mail
            await fake.wait_for_bot_message(DANA, text_contains="Thanks, logged in.", timeout=10)

            fake.user_message(SAM, "We reset the switch; it is up again.", reply_to=private.message_id)
            await fake.wait_for_bot_message(SAM, text_contains="was delivered to anna@client.test", timeout=20)
        mails = [m.message.as_string() for m in smtp_sink.received]
        assert len(mails) == 2  # the acknowledgement and Sam's answer: nothing else left
        assert "We reset the switch" in smtp_sink.received[1].message.get_body(("plain",)).get_content()
        assert not any("hunter2" in m or "admin password" in m or "logged in" in m for m in mails)


async def test_a_reply_reopens_a_closed_ticket_and_after_the_window_opens_one_that_follows(
        tmp_path, dovecot, smtp_sink):
    async with FakeTelegram() as fake:
        people(fake)
        async with deskbot_run(tmp_path, dovecot, fake, smtp=smtp_sink) as desk:
            dovecot.append(make_mail("Mail bounces", message_id="<m1@client.test>"))
            private = await assigned_to_sam(desk, fake, "Mail bounces")
            await close_in(desk, fake, private)
            dovecot.append(make_mail("Re: Mail bounces [#1]", in_reply_to="<m1@client.test>",
                                     body="It bounces again.\n"))
            reopened = await fake.wait_for_bot_message(SAM, text_contains="it is open again", timeout=20)
            assert "It bounces again." in reopened.text and reopened.reply_to_message_id == private.message_id
            assert (await ticket(desk, 1)).status == "assigned"

            await close_in(desk, fake, private, again=True)
            async with desk.sessions.begin() as s:  # fifteen days pass
                await s.execute(update(Ticket).where(Ticket.id == 1)
                                .values(closed_at=datetime.now(timezone.utc) - timedelta(days=15)))
            dovecot.append(make_mail("Re: Mail bounces [#1]", in_reply_to="<m1@client.test>",
                                     body="Months later: bounces once more.\n"))
            follow = await desk.card("Follows #1")
            assert follow.text.startswith("#2 ") and "Months later" in follow.text
            first, second = await ticket(desk, 1), await ticket(desk, 2)
            assert (first.status, second.status, second.follows_id) == ("closed", "new", 1)


async def close_in(desk: Service, fake: FakeTelegram, private, *, again: bool = False) -> None:
    await desk.press(SAM, SAM, private.message_id, "Close")
    fake.user_message(SAM, "20m")
    await fake.wait_for_bot_message(SAM, text_contains="#1 closed, 20 min recorded", count=2 if again else 1,
                                    timeout=10)


async def ticket(desk: Service, number: int) -> Ticket:
    async with desk.sessions() as s:
        return await s.get(Ticket, number)


class ShiftedClock:
    """Real time, plus the days a test skips: the service's own clock, frozen and moved by the test."""

    def __init__(self) -> None:
        self.skipped = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.skipped


async def test_a_silent_customers_ticket_closes_by_itself_with_a_polite_mail(tmp_path, dovecot, smtp_sink,
                                                                             monkeypatch):
    monkeypatch.setattr(service, "LIFECYCLE_SWEEP_EVERY", 0.5)
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    async with FakeTelegram() as fake:
        people(fake)
        path = write_config(tmp_path / "config.toml", dovecot, db_url, attachments_dir=str(tmp_path / "files"))
        path.write_text(path.read_text() + dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA, "1h",
                                                             specialist_id=SAM) + smtp_section(smtp_sink, dovecot.user))
        config, clock, stop = load_config(path, environ={}), ShiftedClock(), asyncio.Event()
        running = asyncio.create_task(service.run(config, clock, stop))
        try:
            await fake.wait_for(lambda: fake.calls("getMe"), timeout=60, what="the service polling Telegram")
            engine = create_engine(db_url)
            desk = Service(fake, session_factory(engine), tmp_path / "none.log")
            dovecot.append(make_mail("Need a quote", message_id="<n1@client.test>"))
            private = await assigned_to_sam(desk, fake, "Need a quote")
            await eventually(lambda: smtp_sink.received, timeout=20, what="the acknowledgement")
            answer = await desk.press(SAM, SAM, private.message_id, "Wait for customer")
            assert "closes by itself after 3 d of silence" in answer.text

            clock.skipped = timedelta(days=3, minutes=1)
            told = await fake.wait_for_bot_message(SAM, text_contains="#1 closed by itself", timeout=10)
            assert told.reply_to_message_id == private.message_id
            [_, goodbye] = await eventually(lambda: smtp_sink.received[1:] and smtp_sink.received, timeout=20,
                                            what="the polite e-mail")
            mail = goodbye.message
            assert mail["Subject"] == "Re: Need a quote [#1]" and mail["In-Reply-To"] == "<n1@client.test>"
            assert mail["Auto-Submitted"] == "auto-generated"
            assert "we have closed it" in mail.get_body(("plain",)).get_content()
            assert (await ticket(desk, 1)).time_spent_minutes is None  # nobody was asked for the time
            async with desk.sessions() as s:
                stored = await s.scalar(select(Message).where(Message.auto == "autoclose"))
            assert (stored.ticket_id, stored.direction, stored.message_id) == (1, "out", mail["Message-ID"][1:-1])
            await engine.dispose()
        finally:
            stop.set()
            await asyncio.wait_for(running, 30)
