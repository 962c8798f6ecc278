"""A Telegram reply acts on the ticket of the message it replies to, whatever prompt waits for typed input.

Sam has tickets 1 (Ann) and 2 (Bob); Nina was asked for help on both. For every prompt
(the answer, the time spent on Close, the question for a colleague, a note, a helper's
time) the person replies to a message about the OTHER ticket: that ticket gets the
action, the prompt is kept and says so, and the next typed text still answers it.
"""
from __future__ import annotations

import json

from sqlalchemy import select

from deskbot.bot.notify import Notifier
from deskbot.bot.render.callbacks import EscalateV1, HelpV1, TicketActionV1
from deskbot.dispatch import escalation, outbox
from deskbot.storage.models import Message, OutboxMessage, Staff, Ticket, TicketHelper, TimeEntry
from harness.mails import eventually
from harness.bot_desk import CONFIG, EN, NETWORK, NINA, PAT, SAM, add_ticket, staff_id


def action(number: int, name: str) -> str:
    return TicketActionV1(ticket=number, action=name).pack()


async def sams_cards(desk):
    """Tickets 1 (ann@) and 2 (bob@), both Sam's: his private cards of them."""
    await add_ticket(desk.sessions, 1, "Printer on fire", status="assigned", assignee=SAM, customer="Ann Lee")
    await add_ticket(desk.sessions, 2, "VPN is down", status="assigned", assignee=SAM, customer="Bob Stone")
    notify = Notifier(CONFIG, EN)
    async with desk.sessions.begin() as s:
        sam = await s.get(Staff, staff_id(SAM))
        for number in (1, 2):
            ticket = await s.get(Ticket, number)
            outbox.send_message(s, chat_id=SAM, purpose=outbox.CARD, ticket_id=number, now=desk.clock.now(),
                                text=await notify.assignee_card(s, ticket), reply_markup=notify.actions(ticket, sam))
    desk.sender.wake()
    first = await desk.fake.wait_for_bot_message(SAM, text_contains="#1 Printer")
    second = await desk.fake.wait_for_bot_message(SAM, text_contains="#2 VPN")
    desk.pause()
    return first, second


async def nina_asked(desk, number: int):
    """Sam asked Nina about `number`, as the handler does: her request (Note, My time)."""
    notify = Notifier(CONFIG, EN)
    async with desk.sessions.begin() as s:
        noted = await escalation.escalate(s, number, await s.get(Staff, staff_id(SAM)), staff_id(NINA),
                                          f"Is the switch behind #{number} fine?", desk.clock.now())
        await notify.escalated(s, noted, desk.clock.now())
    desk.sender.wake()
    request = await desk.fake.wait_for_bot_message(NINA, text_contains=f"asks for your help on #{number}")
    desk.pause()
    return request


async def reply(desk, user: int, text: str, to: int, *, contains: str):
    """`user` replies to message `to` in their chat; the bot's message that contains `contains`."""
    before = len(desk.fake.bot_messages(user))
    desk.fake.user_message(user, text, reply_to=to)
    found = await desk.until(lambda: next((m for m in desk.fake.bot_messages(user)[before:]
                                           if contains in (m.text or "")), None), f"{contains!r} after {text!r}")
    desk.pause()
    return found


async def mailed(desk) -> list[tuple[int, list[str], str]]:
    """(ticket, recipients, the e-mail's text) of every e-mail queued."""
    async with desk.sessions() as s:
        rows = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")
                                    .order_by(OutboxMessage.id)))
    return [(r.ticket_id, json.loads(r.payload)["rcpt_to"], json.loads(r.payload)["data"]) for r in rows]


async def notes(desk) -> list[tuple[int, str, str]]:
    async with desk.sessions() as s:
        return [(m.ticket_id, m.sender_name, m.body) for m in await s.scalars(
            select(Message).where(Message.direction == "note").order_by(Message.id))]


async def test_answer_waits_for_1_and_a_reply_to_2s_card_answers_bob(desk):
    first, second = await sams_cards(desk)
    await desk.press(SAM, SAM, first.message_id, action(1, "answer"))
    await desk.fake.wait_for_bot_message(SAM, text_contains="Type your answer to ann@example.com on #1")
    desk.pause()
    kept = await reply(desk, SAM, "Bob, the VPN is back.", second.message_id, contains="still waiting")
    assert kept.text == ("↪️ A reply goes to the ticket of the message it answers: this one to #2. I am still "
                         "waiting for your answer to the customer on #1: type it, or /cancel to stop.")
    assert "📨 Your answer on #2 to bob@example.com is on its way." in [m.text for m in desk.fake.bot_messages(SAM)]
    [(ticket, to, _)] = await mailed(desk)
    assert (ticket, to) == (2, ["bob@example.com"])

    await desk.reply_to(SAM, "Ann, the printer is fixed.", contains="on its way")  # the prompt was kept
    assert [(ticket, to) for ticket, to, _ in await mailed(desk)] == [(2, ["bob@example.com"]),
                                                                      (1, ["ann@example.com"])]


async def test_close_waits_for_1s_time_and_a_reply_to_2s_card_answers_bob(desk):
    first, second = await sams_cards(desk)
    await desk.press(SAM, SAM, first.message_id, action(1, "close"))
    desk.pause()
    kept = await reply(desk, SAM, "Bob, try again now.", second.message_id, contains="still waiting")
    assert "this one to #2. I am still waiting for the time spent on #1: type it" in kept.text
    assert [(ticket, to) for ticket, to, _ in await mailed(desk)] == [(2, ["bob@example.com"])]
    assert (await desk.ticket(1)).status == "assigned"  # nothing was read as a time
    assert "How long did #1 take?" in desk.fake.message(SAM, first.message_id).text

    await desk.reply_to(SAM, "30m", contains="closed")
    assert (await desk.ticket(1)).status == "closed" and (await desk.ticket(1)).time_spent_minutes == 30
    assert (await desk.ticket(2)).status == "assigned"


async def test_the_question_for_a_colleague_waits_and_a_reply_to_2s_card_answers_bob(desk):
    first, second = await sams_cards(desk)
    await desk.press(SAM, SAM, first.message_id, action(1, "escalate"))
    whom = await desk.fake.wait_for_bot_message(SAM, text_contains="Whom should I ask")
    desk.pause()
    await desk.press(SAM, SAM, whom.message_id, EscalateV1(ticket=1, department=NETWORK, staff=0).pack())
    desk.pause()
    await desk.press(SAM, SAM, whom.message_id, EscalateV1(ticket=1, department=NETWORK, staff=staff_id(NINA)).pack())
    desk.pause()
    kept = await reply(desk, SAM, "Bob, it works again.", second.message_id, contains="still waiting")
    assert "this one to #2. I am still waiting for your question for Nina Network on #1" in kept.text
    assert [(ticket, to) for ticket, to, _ in await mailed(desk)] == [(2, ["bob@example.com"])]
    async with desk.sessions() as s:
        assert list(await s.scalars(select(TicketHelper))) == []  # the answer never became a question
    assert desk.fake.bot_messages(NINA) == []

    await desk.reply_to(SAM, "Nina, is port 5 up?", contains="was asked about #1")
    await desk.fake.wait_for_bot_message(NINA, text_contains="Nina, is port 5 up?")
    assert (1, "Sam Specialist", "Nina, is port 5 up?") in await notes(desk)


async def test_a_note_waits_for_1_and_a_reply_to_2s_request_is_a_note_on_2(desk):
    await sams_cards(desk)
    first, second = await nina_asked(desk, 1), await nina_asked(desk, 2)
    await desk.press(NINA, NINA, first.message_id, HelpV1(ticket=1, action="note").pack())
    await desk.fake.wait_for_bot_message(NINA, text_contains="Type your note on #1")
    desk.pause()
    kept = await reply(desk, NINA, "The VPN concentrator rebooted.", second.message_id, contains="still waiting")
    assert "this one to #2. I am still waiting for your note on #1: type it" in kept.text
    assert (2, "Nina Network", "The VPN concentrator rebooted.") in await notes(desk)
    await desk.fake.wait_for_bot_message(SAM, text_contains="Nina Network, internal note on #2")

    await desk.reply_to(NINA, "The printer's switch port is fine.", contains="Note on #1 saved")
    assert (1, "Nina Network", "The printer's switch port is fine.") in await notes(desk)
    assert await mailed(desk) == []  # notes never leave as mail


async def test_a_helpers_time_waits_for_1_and_a_reply_to_2s_request_is_a_note_on_2(desk):
    await sams_cards(desk)
    first, second = await nina_asked(desk, 1), await nina_asked(desk, 2)
    await desk.press(NINA, NINA, first.message_id, HelpV1(ticket=1, action="time").pack())
    await desk.fake.wait_for_bot_message(NINA, text_contains="How long did you spend helping on #1")
    desk.pause()
    kept = await reply(desk, NINA, "Checked #2: all green.", second.message_id, contains="still waiting")
    assert "this one to #2. I am still waiting for the time you spent helping on #1" in kept.text
    assert (2, "Nina Network", "Checked #2: all green.") in await notes(desk)
    async with desk.sessions() as s:
        assert list(await s.scalars(select(TimeEntry))) == []

    await desk.reply_to(NINA, "20m", contains="20 min recorded on #1")
    async with desk.sessions() as s:
        assert [(e.ticket_id, e.minutes) for e in await s.scalars(select(TimeEntry))] == [(1, 20)]


async def test_a_reply_to_another_tickets_conversation_page_answers_that_ticket(desk):
    first, _ = await sams_cards(desk)
    await desk.reply_to(SAM, "/ticket 2", contains="#2 VPN")
    page = await desk.fake.wait_for_bot_message(SAM, text_contains="#2 · conversation")
    assert page.button_data() == []  # one page, no buttons: only the database knows it is about #2

    async def recorded():  # just after it was sent (a person takes longer to reply)
        async with desk.sessions() as s:
            return await s.scalar(select(OutboxMessage.ticket_id).where(
                OutboxMessage.chat_id == SAM, OutboxMessage.telegram_message_id == page.message_id))
    assert await eventually(recorded, what="the page recorded") == 2
    await desk.press(SAM, SAM, first.message_id, action(1, "answer"))
    desk.pause()
    await reply(desk, SAM, "Bob: fixed.", page.message_id,
                contains="still waiting for your answer to the customer on #1")
    assert [(ticket, to) for ticket, to, _ in await mailed(desk)] == [(2, ["bob@example.com"])]


async def test_a_reply_about_the_prompts_own_ticket_or_about_no_ticket_is_the_prompts_input(desk):
    first, _ = await sams_cards(desk)
    await desk.press(SAM, SAM, first.message_id, action(1, "close"))
    desk.pause()
    reprompt = await reply(desk, SAM, "Ann is happy.", first.message_id, contains="could not read")
    assert "still waiting" not in reprompt.text and await mailed(desk) == []
    own = desk.fake.user_message(SAM, "a note to self")
    await reply(desk, SAM, "45m", own.message_id, contains="#1 closed, 45 min recorded")


async def test_a_reply_to_a_note_while_the_answer_waits_is_a_note_never_mail(desk):
    await sams_cards(desk)
    request = await nina_asked(desk, 1)
    desk.fake.user_message(NINA, "Port 5 flaps.", reply_to=request.message_id)
    forwarded = await desk.fake.wait_for_bot_message(SAM, text_contains="internal note on #1")
    desk.pause()
    await desk.press(SAM, SAM, forwarded.message_id, action(1, "answer"))
    desk.pause()
    kept = await reply(desk, SAM, "Thanks, replacing the cable.", forwarded.message_id, contains="still waiting")
    assert "this one to #1. I am still waiting for your answer to the customer on #1" in kept.text
    assert (1, "Sam Specialist", "Thanks, replacing the cable.") in await notes(desk)
    assert await mailed(desk) == []


async def test_a_refused_reply_says_why_and_the_prompt_still_waits(desk):
    first, second = await sams_cards(desk)
    async with desk.sessions.begin() as s:  # #2 went to Pat meanwhile
        (await s.get(Ticket, 2)).assignee_id = staff_id(PAT)
    await desk.press(SAM, SAM, first.message_id, action(1, "answer"))
    desk.pause()
    kept = await reply(desk, SAM, "Bob, done.", second.message_id, contains="still waiting")
    texts = [m.text for m in desk.fake.bot_messages(SAM)]
    assert texts[-2] == EN.plain("alert-assignee-only") and "answer to the customer on #1" in kept.text
    assert await mailed(desk) == []
    await desk.reply_to(SAM, "Ann, done.", contains="Your answer on #1 to ann@example.com")
