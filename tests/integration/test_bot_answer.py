"""Answering the customer from Telegram: Answer then text, or a reply to the card; the e-mail and the notices."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from deskbot.bot.mailnotify import mail_outcome_notifier
from deskbot.bot.render.texts import Texts
from deskbot.bot.sweeps.forward import forward_replies
from deskbot.dispatch.answers import answer
from deskbot.dispatch.mailout import MailSender
from deskbot.dispatch.tickets import Refused
from deskbot.mailbox.smtp import SmtpSettings
from deskbot.storage.models import Message, OutboxMessage, Staff, TicketEvent
from harness.bot_desk import (
    CONFIG, EN, PAT, SAM, assigned, desk_data, email_of, labels, mails, staff_id, with_message_id,
)

RU = Texts("ru")


async def test_answer_then_text_becomes_an_email_in_the_customers_thread(desk):
    _, private = await assigned(desk)
    await with_message_id(desk)
    assert labels(private) == ["Take", "Answer", "Ask a colleague", "Wait for customer", "Close", "Reassign"]
    await desk.press(SAM, SAM, private.message_id, desk_data(private, "Answer"))
    await desk.fake.wait_for_bot_message(SAM, text_contains="Type your answer to ann@example.com on #1")
    done = await desk.reply_to(SAM, "Please restart the <router> & wait.", contains="is on its way")
    assert done.text == "📨 Your answer on #1 to ann@example.com is on its way."

    [row] = await mails(desk)
    msg = email_of(row)
    assert json.loads(row.payload)["rcpt_to"] == ["ann@example.com"] and row.purpose == "answer"
    assert msg["Subject"].startswith("Re: ") and msg["Subject"].endswith(" [#1]")
    assert msg["In-Reply-To"] == "<first@example.com>" and msg["References"] == "<first@example.com>"
    text = msg.get_body(("plain",)).get_content()
    assert "Please restart the <router> & wait." in text and "-- \r\nSam Specialist\r\nSupport" in text
    async with desk.sessions() as s:
        stored = await s.scalar(select(Message).where(Message.direction == "out"))
        kinds = [e.kind for e in await s.scalars(select(TicketEvent).order_by(TicketEvent.id))]
    assert msg["Message-ID"] == f"<{stored.message_id}>" and stored.sender_name == "Sam Specialist"
    assert kinds == ["assigned", "answered"]


async def test_a_telegram_reply_to_the_card_answers_that_ticket(desk):
    _, private = await assigned(desk)
    desk.fake.user_message(SAM, "Done on our side.", reply_to=private.message_id)
    await desk.fake.wait_for_bot_message(SAM, text_contains="is on its way")
    [row] = await mails(desk)
    assert "Done on our side." in email_of(row).get_body(("plain",)).get_content()


async def test_a_reply_to_something_that_is_not_a_ticket_says_so_and_sends_nothing(desk):
    await assigned(desk)
    note = desk.fake.user_message(SAM, "a note to self")
    desk.fake.user_message(SAM, "answer?", reply_to=note.message_id)
    await desk.fake.wait_for_bot_message(SAM, text_contains="That message is not a ticket")
    assert await mails(desk) == []


async def test_cancel_sends_nothing(desk):
    _, private = await assigned(desk)
    await desk.press(SAM, SAM, private.message_id, desk_data(private, "Answer"))
    await desk.reply_to(SAM, "/cancel", contains="Nothing was sent on #1")
    assert await mails(desk) == []


async def test_only_the_assignee_or_a_dispatcher_answers(desk):
    await assigned(desk)
    async with desk.sessions.begin() as s:
        pat = await s.get(Staff, staff_id(PAT))
        with pytest.raises(Refused) as refused:
            await answer(s, 1, pat, "hi", CONFIG, desk.clock.now(), team="Support")
    assert refused.value.key == "alert-assignee-only" and await mails(desk) == []


async def test_the_writer_is_told_when_the_answer_is_delivered_or_cannot_be_yet(desk, smtp_sink):
    _, private = await assigned(desk)
    desk.fake.user_message(SAM, "First answer.", reply_to=private.message_id)
    await desk.fake.wait_for_bot_message(SAM, text_contains="is on its way")
    settings = SmtpSettings(host=smtp_sink.host, port=smtp_sink.port, security="none", timeout=5)
    mailer = MailSender(settings, desk.sessions, desk.clock, on_outcome=mail_outcome_notifier(EN, desk.clock))

    smtp_sink.answer = "451 4.3.0 try again later"
    assert await mailer.drain_once() == 0
    desk.sender.wake()
    told = await desk.fake.wait_for_bot_message(SAM, text_contains="has not left yet")
    assert told.text == ("⚠️ Your answer on #1 has not left yet: the mail server asked to try again later. deskbot "
                         "tries again by itself, at least every 5 minutes, and tells you when it is delivered.")

    smtp_sink.answer = None
    async with desk.sessions.begin() as s:  # the backoff has passed
        await s.execute(update(OutboxMessage).where(OutboxMessage.channel == "email")
                        .values(next_attempt_at=desk.clock.now()))
    assert await mailer.drain_once() == 1
    desk.sender.wake()
    await desk.fake.wait_for_bot_message(SAM, text_contains="✅ Your answer on #1 was delivered to ann@example.com")
    assert len(smtp_sink.received) == 1


async def test_the_writer_reads_what_happened_not_the_exception(desk, smtp_sink):
    """The server away, then refusing the address: the catalog's words, in the writer's language."""
    _, private = await assigned(desk)
    settings = SmtpSettings(host=smtp_sink.host, port=smtp_sink.port, security="none", timeout=5)
    smtp_sink.stop()
    desk.fake.user_message(SAM, "First answer.", reply_to=private.message_id)
    await desk.fake.wait_for_bot_message(SAM, text_contains="is on its way")
    mailer = MailSender(settings, desk.sessions, desk.clock, on_outcome=mail_outcome_notifier(EN, desk.clock))
    assert await mailer.drain_once() == 0
    desk.sender.wake()
    away = await desk.fake.wait_for_bot_message(SAM, text_contains="has not left yet")
    assert away.text == ("⚠️ Your answer on #1 has not left yet: the mail server could not be reached. deskbot tries "
                         "again by itself, at least every 5 minutes, and tells you when it is delivered.")
    [row] = await mails(desk)
    assert "SMTPConnectError" in row.last_error  # the detail stays for the log and the database

    smtp_sink.start()
    smtp_sink.answer = "550 5.1.1 mailbox unavailable"
    desk.pause()
    desk.fake.user_message(SAM, "Second answer.", reply_to=private.message_id)
    await desk.fake.wait_for_bot_message(SAM, text_contains="is on its way", count=2)
    async with desk.sessions.begin() as s:  # the first one's backoff has passed too
        await s.execute(update(OutboxMessage).where(OutboxMessage.channel == "email")
                        .values(next_attempt_at=desk.clock.now()))
    mailer = MailSender(settings, desk.sessions, desk.clock, on_outcome=mail_outcome_notifier(RU, desk.clock))
    await mailer.drain_once()
    desk.sender.wake()
    refused = await desk.fake.wait_for_bot_message(SAM, text_contains="не отправлен", count=2)
    assert refused.text == ("❌ Ваш ответ по #1 не отправлен: почтовый сервер отклонил адрес ann@example.com. "
                            "Проверьте адрес; повторять не будем.")
    texts = [m.text for m in desk.fake.bot_messages(SAM)]
    assert not any("SMTP" in t or "550" in t or "Error" in t for t in texts), texts


async def test_a_reply_to_a_ticket_view_answers_it_too(desk):
    await assigned(desk)
    view = await desk.reply_to(SAM, "/ticket 1", contains="#1 ")
    desk.fake.user_message(SAM, "From the view.", reply_to=view.message_id)
    await desk.fake.wait_for_bot_message(SAM, text_contains="is on its way")
    [row] = await mails(desk)
    assert "From the view." in email_of(row).get_body(("plain",)).get_content()


# Customer replies reach the assignee (bot/sweeps/forward.py) -------------------------------------------

async def customer_writes(desk, body: str, *, auto: str | None = None) -> None:
    async with desk.sessions.begin() as s:  # as ingest stores a reply on the ticket
        s.add(Message(ticket_id=1, direction="in", sender_email="ann@example.com", sender_name="Ann Lee",
                      subject="Re: Printer", body=body, auto=auto, created_at=desk.clock.now()))


async def forward(desk) -> int:
    async with desk.sessions.begin() as s:
        queued = await forward_replies(s, EN, desk.clock.now())
    desk.sender.wake()
    return queued


async def test_a_customer_reply_reaches_the_assignee_in_the_tickets_thread(desk):
    assert await forward(desk) == 0  # nothing yet
    _, private = await assigned(desk)
    assert await forward(desk) == 0  # the first mail is the card's business
    await customer_writes(desk, "Thanks, it works now <3\n\nOn Monday Sam wrote:\n> restart it\n")
    await customer_writes(desk, "I am out of office.", auto="Auto-Submitted: auto-replied")
    assert await forward(desk) == 1 and await forward(desk) == 0  # once; the auto-reply stays on the ticket
    told = await desk.fake.wait_for_bot_message(SAM, text_contains="Ann Lee replied on #1")
    assert told.reply_to_message_id == private.message_id  # in the ticket's thread
    assert "Thanks, it works now <3" in told.text and "restart it" not in told.text
    assert labels(told) == ["Answer"]


async def test_a_reply_that_reopened_the_ticket_says_so(desk):
    await assigned(desk)
    async with desk.sessions.begin() as s:  # as ingest reopens a closed ticket
        s.add(TicketEvent(ticket_id=1, staff_id=None, kind="reopened", detail="the customer replied",
                          at=desk.clock.now()))
    await customer_writes(desk, "It broke again.")
    assert await forward(desk) == 1
    await desk.fake.wait_for_bot_message(SAM, text_contains="Ann Lee replied on closed #1: it is open again")
