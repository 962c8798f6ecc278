"""Pulling in a colleague: the question, notes both ways (never e-mailed), the colleague's time."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from deskbot.bot.render.callbacks import EscalateV1, HelpTimeV1, HelpV1, TicketActionV1
from deskbot.dispatch import escalation
from deskbot.dispatch.tickets import Refused
from deskbot.storage.models import Message, OutboxMessage, Staff, Ticket, TicketEvent, TicketHelper, TimeEntry
from harness.bot_desk import NETWORK, NINA, PAT, SAM, SUPPORT, assigned, labels, staff_id

ESCALATE = TicketActionV1(ticket=1, action="escalate").pack()


async def asked_nina(desk, question: str = "Is port 5 on the <core> switch down?"):
    """Sam asks Nina (Network) about ticket 1: (Sam's private card, Nina's request)."""
    _, private = await assigned(desk)
    await desk.press(SAM, SAM, private.message_id, ESCALATE)
    whom = await desk.fake.wait_for_bot_message(SAM, text_contains="Whom should I ask")
    assert labels(whom) == ["Support", "Network"]
    desk.pause()
    await desk.press(SAM, SAM, whom.message_id, EscalateV1(ticket=1, department=NETWORK, staff=0).pack())
    assert labels(desk.fake.message(SAM, whom.message_id)) == ["Nina Network", "« Back"]
    desk.pause()
    await desk.press(SAM, SAM, whom.message_id, EscalateV1(ticket=1, department=NETWORK, staff=staff_id(NINA)).pack())
    assert "What should Nina Network know about #1" in desk.fake.message(SAM, whom.message_id).text
    done = await desk.reply_to(SAM, question, contains="was asked about #1")
    assert done.text.startswith("🆘 Nina Network was asked about #1.")
    request = await desk.fake.wait_for_bot_message(NINA, text_contains="asks for your help on #1")
    return private, request


async def emails(desk) -> list[OutboxMessage]:
    async with desk.sessions() as s:
        return list(await s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")))


async def test_the_colleague_gets_the_ticket_and_the_question(desk):
    _, request = await asked_nina(desk)
    assert "Sam Specialist asks for your help on #1" in request.text
    assert "Is port 5 on the <core> switch down?" in request.text and "It smokes." in request.text
    assert labels(request) == ["Note", "My time"]
    async with desk.sessions() as s:
        [helper] = await s.scalars(select(TicketHelper))
        [note] = await s.scalars(select(Message).where(Message.direction == "note"))
        kinds = [e.kind for e in await s.scalars(select(TicketEvent).order_by(TicketEvent.id))]
    assert (helper.ticket_id, helper.staff_id, helper.asked_by_id) == (1, staff_id(NINA), staff_id(SAM))
    assert (note.sender_name, note.body) == ("Sam Specialist", "Is port 5 on the <core> switch down?")
    assert kinds == ["assigned", "escalated"]


async def test_the_support_department_offers_everyone_but_the_assignee(desk):
    _, private = await assigned(desk)
    await desk.press(SAM, SAM, private.message_id, ESCALATE)
    whom = await desk.fake.wait_for_bot_message(SAM, text_contains="Whom should I ask")
    desk.pause()
    await desk.press(SAM, SAM, whom.message_id, EscalateV1(ticket=1, department=SUPPORT, staff=0).pack())
    assert labels(desk.fake.message(SAM, whom.message_id)) == ["Dan Dispatcher", "Pat Specialist", "« Back"]


async def test_notes_go_both_ways_and_never_become_mail(desk):
    private, request = await asked_nina(desk)
    desk.fake.user_message(NINA, "Port 5 flaps: <b>replace</b> the cable & retry.", reply_to=request.message_id)
    await desk.fake.wait_for_bot_message(NINA, text_contains="Note on #1 saved and sent to 1 colleague")
    forwarded = await desk.fake.wait_for_bot_message(SAM, text_contains="internal note on #1")
    assert "Port 5 flaps: <b>replace</b> the cable & retry." in forwarded.text
    assert forwarded.reply_to_message_id == private.message_id and labels(forwarded) == ["Note", "Answer"]
    desk.pause()

    desk.fake.user_message(SAM, "Thanks, doing it now.", reply_to=forwarded.message_id)  # a note, not an answer
    back = await desk.fake.wait_for_bot_message(NINA, text_contains="Sam Specialist, internal note on #1")
    assert "Thanks, doing it now." in back.text and labels(back) == ["Note"]
    async with desk.sessions() as s:
        notes = [m.body for m in await s.scalars(select(Message).where(Message.direction == "note")
                                                    .order_by(Message.id))]
        kinds = [e.kind for e in await s.scalars(select(TicketEvent).order_by(TicketEvent.id))]
    assert notes[1:] == ["Port 5 flaps: <b>replace</b> the cable & retry.", "Thanks, doing it now."]
    assert kinds == ["assigned", "escalated", "noted", "noted"]
    assert await emails(desk) == []


async def test_the_note_button_then_text_is_a_note(desk):
    _, request = await asked_nina(desk)
    await desk.press(NINA, NINA, request.message_id, HelpV1(ticket=1, action="note").pack())
    await desk.fake.wait_for_bot_message(NINA, text_contains="Type your note on #1")
    await desk.reply_to(NINA, "Checked: the line is fine.", chat=NINA, contains="saved")
    await desk.fake.wait_for_bot_message(SAM, text_contains="Checked: the line is fine.")
    assert await emails(desk) == []


async def test_the_colleague_records_time_without_closing_the_ticket(desk):
    _, request = await asked_nina(desk)
    await desk.press(NINA, NINA, request.message_id, HelpV1(ticket=1, action="time").pack())
    ask = await desk.fake.wait_for_bot_message(NINA, text_contains="How long did you spend helping on #1")
    desk.pause()
    answer = await desk.press(NINA, NINA, ask.message_id, HelpTimeV1(ticket=1, minutes=30).pack())
    assert answer.text == "⏱ 30 min recorded on #1."
    desk.pause()
    await desk.press(NINA, NINA, request.message_id, HelpV1(ticket=1, action="time").pack())
    await desk.reply_to(NINA, "1h 15m", chat=NINA, contains="1 h 15 min recorded on #1")
    async with desk.sessions() as s:
        entries = [(e.staff_id, e.minutes) for e in await s.scalars(select(TimeEntry).order_by(TimeEntry.id))]
        ticket = await s.get(Ticket, 1)
    assert entries == [(staff_id(NINA), 30), (staff_id(NINA), 75)]
    assert (ticket.status, ticket.time_spent_minutes) == ("assigned", 105)


async def test_only_the_people_of_the_ticket_write_notes_and_only_helpers_record_help(desk):
    await asked_nina(desk)
    async with desk.sessions() as s:
        pat, sam = await s.get(Staff, staff_id(PAT)), await s.get(Staff, staff_id(SAM))
        with pytest.raises(Refused) as note:
            await escalation.add_note(s, 1, pat, "let me in", desk.clock.now())
        with pytest.raises(Refused) as time:
            await escalation.record_help(s, 1, sam, 30, desk.clock.now())
        with pytest.raises(Refused) as self_help:
            await escalation.escalate(s, 1, sam, sam.id, "me?", desk.clock.now())
    assert (note.value.key, time.value.key, self_help.value.key) == (
        "alert-helper-only", "alert-helper-only", "escalate-self")


async def test_a_late_note_on_a_closed_ticket_is_kept(desk):
    _, request = await asked_nina(desk)
    async with desk.sessions.begin() as s:
        (await s.get(Ticket, 1)).status = "closed"
    desk.fake.user_message(NINA, "For the record: it was the cable.", reply_to=request.message_id)
    await desk.fake.wait_for_bot_message(NINA, text_contains="Note on #1 saved")
    async with desk.sessions() as s:
        assert "For the record: it was the cable." in [
            m.body for m in await s.scalars(select(Message).where(Message.direction == "note"))]
