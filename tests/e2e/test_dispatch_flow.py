"""The whole product as its users meet it: `deskbot run` as a process (tests/harness/service_run.py), Dovecot in, the fake Telegram out.

The fake runs in the test's event loop and the service talks to it over loopback HTTP,
exactly as it would to api.telegram.org; people are played through the fake's control
API (they tap, they type), and what they read is what the fake holds. Time is real:
every wait is on a condition, with a timeout.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deskbot.bot.render.texts import MESSAGE_LIMIT, utf16_len
from deskbot.storage.models import OutboxMessage, Ticket, TicketEvent, TimeEntry
from deskbot.demo.botapi import FakeTelegram
from harness.mails import eventually, make_mail
from harness.service_run import DANA, DISPATCHERS, SAM, STRANGER, Service, deskbot_run, people

pytestmark = pytest.mark.dovecot
HOSTILE = "<b>Invoice</b> & co <i>unclosed"
LONG_BODY = ("The VPN drops every hour & the <printer> too. " * 120)[:5000]


def reminders(fake: FakeTelegram) -> list:
    return [m for m in fake.bot_messages(DISPATCHERS) if m.text.startswith("⏰ Not assigned yet")]


async def test_a_mail_is_assigned_worked_and_closed_from_telegram(tmp_path, dovecot):
    async with FakeTelegram() as fake:
        people(fake)
        async with deskbot_run(tmp_path, dovecot, fake, nag_every="3s") as desk:
            dovecot.append(make_mail(HOSTILE, body=LONG_BODY))
            card = await desk.card(HOSTILE)
            assert card.text.startswith(f"#1 {HOSTILE}\nFrom: Anna Petrova <anna@client.test>\n")
            assert "The VPN drops every hour & the <printer> too." in card.text and card.text.endswith("…")
            assert [b["text"] for b in card.buttons()] == ["Support", "Network"]

            nag = await fake.wait_for(lambda: reminders(fake), timeout=20, what="a reminder after 3 s")
            assert nag[0].button_data() == card.button_data()

            # Neither a stranger nor a specialist may assign; nothing changes for their taps.
            assert (await desk.press(STRANGER, DISPATCHERS, card.message_id, "Support")).show_alert
            answer = await desk.press(SAM, DISPATCHERS, card.message_id, "Support")
            assert (answer.text, answer.show_alert) == ("Only a dispatcher can assign tickets.", True)
            assert fake.message(DISPATCHERS, card.message_id).button_data() == card.button_data()

            await desk.press(DANA, DISPATCHERS, card.message_id, "Support")
            # A double tap on the person: exactly one assignment.
            shown = lambda: fake.message(DISPATCHERS, card.message_id)  # noqa: E731
            await fake.wait_for(lambda: "Sam" in [b["text"] for b in shown().buttons()], timeout=10,
                                what="the people shown")
            first = fake.press_button(DANA, DISPATCHERS, card.message_id, text="Sam")
            second = fake.press_button(DANA, DISPATCHERS, card.message_id, text="Sam")
            await fake.wait_for(lambda: fake.callback_answer(first) and fake.callback_answer(second), timeout=10,
                                what="both taps answered")
            assigned = await fake.wait_for(lambda: not shown().button_data() and shown(), timeout=10,
                                           what="the card edited after the answers")
            assert "✅ Assigned by Dana to Sam" in assigned.text and not assigned.button_data()
            async with desk.sessions() as s:
                assert await s.scalar(select(func.count()).where(TicketEvent.kind == "assigned")) == 1
            await fake.wait_for(lambda: not any(m.button_data() for m in reminders(fake)), timeout=10,
                                what="the reminders losing their buttons")
            # Nags stop at assignment: a later ticket's reminder proves the sweeps went on. A reminder
            # already on its way at the assignment may still arrive; it loses its buttons too.
            dovecot.append(make_mail("Printer jammed", sender="Bob <bob@other.test>"))
            await fake.wait_for(lambda: any("\n#2 " in m.text for m in reminders(fake)), timeout=20,
                                what="a reminder of ticket 2")
            async with desk.sessions() as s:
                first = await s.get(Ticket, 1)
                late = await s.scalar(select(func.count()).where(
                    OutboxMessage.ticket_id == 1, OutboxMessage.purpose == "nag", OutboxMessage.status == "sent",
                    OutboxMessage.method == "sendMessage", OutboxMessage.sent_at > first.assigned_at))
            assert first.next_nag_at is None and late <= 1
            await fake.wait_for(lambda: not any(m.button_data() for m in reminders(fake) if "\n#1 " in m.text),
                                timeout=10, what="every reminder of ticket 1 without buttons")

            private = await fake.wait_for_bot_message(SAM, text_contains="Dana assigned you a ticket", timeout=10)
            assert HOSTILE in private.text and utf16_len(private.text) <= MESSAGE_LIMIT
            await desk.press(SAM, SAM, private.message_id, "Take")
            await desk.press(SAM, SAM, private.message_id, "Close")
            asked = await fake.wait_for(lambda: "How long" in fake.message(SAM, private.message_id).text
                                        and fake.message(SAM, private.message_id), timeout=10,
                                        what="the card edited after the answer")
            assert "How long did #1 take?" in asked.text
            fake.user_message(SAM, "soon")
            await fake.wait_for_bot_message(SAM, text_contains="I could not read “soon” as a time", timeout=10)
            fake.user_message(SAM, "1h 30m")
            await fake.wait_for(lambda: "Closed by Sam, 1 h 30 min recorded" in
                                fake.message(DISPATCHERS, card.message_id).text, timeout=10,
                                what="the dispatcher card saying the ticket is closed")
            async with desk.sessions() as s:
                ticket = await s.get(Ticket, 1)
                assert (ticket.status, [e.minutes for e in await s.scalars(select(TimeEntry))]) == ("closed", [90])
            await desk.outbox_settled()
        assert fake.counters.too_many_requests == 0
        sent = fake.calls("sendMessage") + fake.calls("editMessageText") + fake.calls("editMessageReplyMarkup")
        refused = [c for c in sent if c.status != 200 and "message is not modified" not in (c.description or "")]
        assert sent and refused == []  # Telegram refused nothing we said (a double tap redraws a card twice)


async def test_telegram_down_for_a_while_loses_and_duplicates_nothing(tmp_path, dovecot):
    async with FakeTelegram() as fake:
        people(fake)
        async with deskbot_run(tmp_path, dovecot, fake) as desk:
            fake.fail("bad_gateway", seconds=6)  # every Bot API call, polling included
            for n in range(3):
                dovecot.append(make_mail(f"During the outage {n}", sender=f"C{n} <c{n}@client{n}.test>"))
            await eventually(lambda: _tickets(desk, 3), timeout=20, what="three tickets stored while Telegram is down")
            for n in range(3):
                await fake.wait_for_bot_message(DISPATCHERS, text_contains=f"During the outage {n}", timeout=30)
            rows = await desk.outbox_settled()
        assert fake.counters.outages > 0
        cards = [m.text.split("\n")[0] for m in fake.bot_messages(DISPATCHERS)]
        assert sorted(cards) == [f"#{n + 1} During the outage {n}" for n in range(3)]  # each once
        assert {r.status for r in rows} == {"sent"}


async def test_a_429_storm_is_waited_out_and_loses_nothing(tmp_path, dovecot):
    async with FakeTelegram() as fake:
        people(fake)
        async with deskbot_run(tmp_path, dovecot, fake) as desk:
            fake.flood(calls=4, retry_after=2, methods=["sendMessage"])
            for n in range(3):
                dovecot.append(make_mail(f"In the storm {n}", sender=f"C{n} <c{n}@client{n}.test>"))
            for n in range(3):
                await fake.wait_for_bot_message(DISPATCHERS, text_contains=f"In the storm {n}", timeout=30)
            rows = await desk.outbox_settled()
        assert fake.counters.too_many_requests >= 1 and fake.counters.ignored_retry_after == 0
        cards = [m.text.split("\n")[0] for m in fake.bot_messages(DISPATCHERS)]
        assert len(cards) == len(set(cards)) == 3
        assert {r.status for r in rows} == {"sent"}


async def test_a_round_trip_by_mail_and_telegram_keeps_one_thread(tmp_path, dovecot, smtp_sink):
    async with FakeTelegram() as fake:
        people(fake)
        async with deskbot_run(tmp_path, dovecot, fake, smtp=smtp_sink) as desk:
            dovecot.append(make_mail("VPN is down", message_id="<q1@client.test>"))
            card = await desk.card("VPN is down")
            [ack] = await eventually(lambda: smtp_sink.received, timeout=20, what="the acknowledgement")
            await desk.press(DANA, DISPATCHERS, card.message_id, "Support")
            await desk.press(DANA, DISPATCHERS, card.message_id, "Sam")
            private = await fake.wait_for_bot_message(SAM, text_contains="Dana assigned you a ticket", timeout=10)

            fake.user_message(SAM, "Please restart the router.", reply_to=private.message_id)
            await fake.wait_for_bot_message(SAM, text_contains="is on its way", timeout=10)
            answer = (await eventually(lambda: smtp_sink.received[1:], timeout=20, what="the answer by e-mail"))[0]
            mail = answer.message
            assert mail["Subject"] == "Re: VPN is down [#1]" and mail["In-Reply-To"] == "<q1@client.test>"
            assert "<q1@client.test>" in mail["References"] and "Auto-Submitted" not in mail
            assert "Please restart the router." in mail.get_body(("plain",)).get_content()
            await fake.wait_for_bot_message(SAM, text_contains="was delivered to anna@client.test", timeout=20)

            dovecot.append(make_mail("Re: VPN is down [#1]", in_reply_to=mail["Message-ID"],
                                     body="That worked, thank you!\n\n> Please restart the router.\n"))
            told = await fake.wait_for_bot_message(SAM, text_contains="replied on #1", timeout=20)
            assert told.reply_to_message_id == private.message_id and "That worked" in told.text
            assert "> Please restart" not in told.text
            assert await desk.count(Ticket) == 1 and len(smtp_sink.received) == 2  # one thread, one ack


async def _tickets(desk: Service, count: int) -> bool:
    return await desk.count(Ticket) >= count
