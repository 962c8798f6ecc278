"""Mail kept aside reaches a person, through the real wiring: Dovecot in, the fake Telegram out.

The person's mail goes through `deskbot run` as a process; the daily summary of machine
mail through `service.run` in-process (what `deskbot run` runs), whose scheduler job the
test runs at once: no waiting for 9 o'clock, no sleeps.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from deskbot.storage.models import OutboxMessage, QuarantineItem, Ticket
from harness.fake_telegram import FakeTelegram
from harness.mails import eventually, make_mail
from harness.service_run import DANA, DISPATCHERS, SAM, deskbot_run, people, record_schedulers, running_desk

pytestmark = pytest.mark.dovecot
OUT_OF_OFFICE = make_mail("Out of office", headers={"Auto-Submitted": "auto-replied"})
BOUNCE = make_mail("Undelivered Mail Returned to Sender", sender="MAILER-DAEMON@mx.client.test")
NEWS = make_mail("Weekly news", sender="news@list.test", headers={"List-Id": "<news.list.test>"})


async def kept_aside(sessions, count: int) -> None:
    async def all_kept():
        async with sessions() as s:
            return len((await s.scalars(select(QuarantineItem))).all()) == count
    await eventually(all_kept, timeout=20, what=f"{count} mails kept aside")


async def test_a_persons_mail_without_an_address_becomes_a_ticket_from_the_chat(tmp_path, dovecot):
    async with FakeTelegram() as fake:
        people(fake)
        async with deskbot_run(tmp_path, dovecot, fake) as desk:
            dovecot.append(make_mail("Help <me>", sender="Anna Petrova", body="Please <b>call</b> me: 555-01\n"))
            dovecot.append(OUT_OF_OFFICE)
            dovecot.append(BOUNCE)

            notice = await fake.wait_for_bot_message(DISPATCHERS, text_contains="Mail kept aside", timeout=20)
            assert "From: Anna Petrova\nSubject: Help <me>\n" in notice.text and "Please <b>call</b> me" in notice.text
            assert [b["text"] for b in notice.buttons()] == ["Make a ticket", "Dismiss"]
            await kept_aside(desk.sessions, 3)

            refused = await desk.press(SAM, DISPATCHERS, notice.message_id, "Make a ticket")
            assert (refused.text, refused.show_alert) == ("Only a dispatcher can see and decide on mail kept aside.",
                                                          True)
            answer = await desk.press(DANA, DISPATCHERS, notice.message_id, "Make a ticket")
            assert answer.text == "Ticket #1 is made; its card follows."
            card = await desk.card("#1 Help <me>")
            assert "no reply address" in card.text and [b["text"] for b in card.buttons()] == ["Support", "Network"]
            decided = await fake.wait_for(
                lambda: "✅ Made ticket #1 by Dana" in fake.message(DISPATCHERS, notice.message_id).text,
                timeout=10, what="the notice redrawn with its fate")
            assert decided and fake.message(DISPATCHERS, notice.message_id).button_data() == []
            async with desk.sessions() as s:
                assert (await s.get(Ticket, 1)).customer_id is None

            # Machine mail is never announced one by one.
            texts = [m.text for m in fake.bot_messages(DISPATCHERS)]
            assert not any("Out of office" in t or "Undelivered" in t for t in texts)
        assert fake.counters.too_many_requests == 0


async def test_machine_mail_is_counted_in_one_daily_summary(tmp_path, dovecot, monkeypatch):
    made = record_schedulers(monkeypatch)
    async with FakeTelegram() as fake:
        fake.add_user(DANA, "Dana")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        async with running_desk(tmp_path, dovecot, fake, nag_every="1h") as (sessions, run):
            await fake.wait_for(lambda: fake.calls("getMe"), timeout=30, what="the bot started")
            [scheduler] = made
            summary = scheduler.get_job("quarantine summary")
            assert str(summary.trigger) == "cron[hour='9', minute='0']"
            assert str(summary.trigger.timezone) == "Europe/Moscow"
            await summary.func()  # nothing kept aside yet: no message
            for mail in (OUT_OF_OFFICE, BOUNCE, NEWS):
                dovecot.append(mail)
            await kept_aside(sessions, 3)
            await summary.func()
            counted = await fake.wait_for_bot_message(DISPATCHERS, text_contains="automatic mails", timeout=10)
            assert counted.text == ("🤖 3 automatic mails (bounces, auto-replies, list and bulk mail) were kept aside "
                                    "since the last summary. /quarantine lists them.")
            await summary.func()  # nothing new since: no second message
            async with sessions() as s:
                purposes = list(await s.scalars(select(OutboxMessage.purpose)))
            assert purposes == ["quarantine-summary"]
            assert not run.done()
        assert [m.text for m in fake.bot_messages(DISPATCHERS)] == [counted.text]
