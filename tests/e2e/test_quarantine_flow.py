"""Mail kept aside reaches a person, through the real wiring: Dovecot in, the fake Telegram out.

`service.run` is what `deskbot run` runs; the daily summary of machine mail is driven by
running its scheduler job at once (no waiting for 9 o'clock, no sleeps).
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from deskbot.dispatch import service
from deskbot.storage.models import QuarantineItem, Ticket
from e2e.test_dispatch_announce import DANA, DISPATCHERS, running_desk
from harness.fake_telegram import FakeTelegram
from harness.mails import eventually, make_mail

pytestmark = pytest.mark.dovecot


async def test_a_persons_mail_without_an_address_becomes_a_ticket_from_the_chat(tmp_path, dovecot, monkeypatch):
    made = []

    def recorded():
        made.append(real())
        return made[-1]
    real = service._scheduler
    monkeypatch.setattr(service, "_scheduler", recorded)
    async with FakeTelegram() as fake:
        fake.add_user(DANA, "Dana")
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DANA])
        async with running_desk(tmp_path, dovecot, fake, nag_every="1h") as (sessions, run):
            dovecot.append(make_mail("Help <me>", sender="Anna Petrova", body="Please <b>call</b> me: 555-01\n"))
            dovecot.append(make_mail("Out of office", headers={"Auto-Submitted": "auto-replied"}))
            dovecot.append(make_mail("Undelivered Mail Returned to Sender", sender="MAILER-DAEMON@mx.client.test"))
            dovecot.append(make_mail("Weekly news", sender="news@list.test", headers={"List-Id": "<news.list.test>"}))

            notice = await fake.wait_for_bot_message(DISPATCHERS, text_contains="Mail kept aside", timeout=20)
            assert "From: Anna Petrova\nSubject: Help <me>\n" in notice.text and "Please <b>call</b> me" in notice.text
            [make_ticket, _dismiss] = notice.button_data()

            async def kept():
                async with sessions() as s:
                    return len((await s.scalars(select(QuarantineItem))).all()) == 4
            await eventually(kept, timeout=20, what="all four mails kept aside")

            query = fake.press_button(DANA, DISPATCHERS, notice.message_id, make_ticket)
            answer = await fake.wait_for(lambda: fake.callback_answer(query), what="the tap answered")
            assert answer.text == "Ticket #1 is made; its card follows."
            card = await fake.wait_for_bot_message(DISPATCHERS, text_contains="#1 Help <me>", timeout=20)
            assert "no reply address" in card.text and [b["text"] for b in card.buttons()] == ["Support", "Network"]
            async with sessions() as s:
                assert (await s.get(Ticket, 1)).customer_id is None

            # Machine mail is never announced one by one: only counted, once a day.
            texts = [m.text for m in fake.bot_messages(DISPATCHERS)]
            assert not any("Out of office" in t or "Undelivered" in t or "Weekly" in t for t in texts)
            [scheduler] = made
            summary = scheduler.get_job("quarantine summary")
            assert str(summary.trigger) == "cron[hour='9', minute='0']"
            assert str(summary.trigger.timezone) == "Europe/Moscow"
            await summary.func()
            counted = await fake.wait_for_bot_message(DISPATCHERS, text_contains="automatic mails", timeout=10)
            assert counted.text.startswith("🤖 3 automatic mails (bounces, auto-replies, list and bulk mail) were kept")
            await summary.func()  # nothing new since: no second message
            assert not run.done()
        assert sum("automatic mail" in m.text for m in fake.bot_messages(DISPATCHERS)) == 1
        assert fake.counters.too_many_requests == 0
