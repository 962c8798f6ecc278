"""The assignee's side: take, close with the time spent (typed, quick, no charge), cancel, reassign."""
from __future__ import annotations

from sqlalchemy import select

from deskbot.bot.render.callbacks import AssignV2, DepartmentV1, TicketActionV1, TimeSpentV1
from deskbot.bot.render.keyboards import CANCEL, NO_CHARGE
from deskbot.storage.models import TimeEntry
from harness.bot_desk import DINA, DISPATCHERS, PAT, SAM, SUPPORT, assigned, labels, shows, staff_id

TAKE, CLOSE, REASSIGN = (TicketActionV1(ticket=1, action=a).pack() for a in ("take", "close", "reassign"))


def minutes(value: int) -> str:
    return TimeSpentV1(ticket=1, minutes=value).pack()


async def time_entries(desk) -> list[tuple[int, bool]]:
    async with desk.sessions() as s:
        return [(e.minutes, e.no_charge) for e in await s.scalars(select(TimeEntry).order_by(TimeEntry.id))]


async def test_take_then_close_reprompts_on_nonsense_and_records_90_minutes(desk):
    card, private = await assigned(desk)
    answer = await desk.press(SAM, SAM, private.message_id, TAKE)
    assert answer.text == "🛠 You are working on #1."
    assert labels(desk.fake.message(SAM, private.message_id)) == ["Answer", "Ask a colleague", "Wait for customer", "Close", "Reassign"]
    assert (await desk.ticket(1)).status == "in_progress"
    await desk.until(shows(desk, DISPATCHERS, card.message_id, "Sam Specialist is working on it."),
                     "the dispatcher card says the ticket was taken")

    desk.pause()
    await desk.press(SAM, SAM, private.message_id, CLOSE)
    asking = desk.fake.message(SAM, private.message_id)
    assert "How long did #1 take?" in asking.text
    assert labels(asking) == ["15 min", "30 min", "1 h", "2 h", "No charge", "Cancel"]

    reprompt = await desk.reply_to(SAM, "soon", contains="could not read")
    assert reprompt.text.startswith("I could not read “soon” as a time.")
    assert (await desk.ticket(1)).status == "in_progress" and await time_entries(desk) == []
    reprompt = await desk.reply_to(SAM, "0", contains="more than zero")
    confirmation = await desk.reply_to(SAM, "1h 30m", contains="closed")
    assert confirmation.text == "✅ #1 closed, 1 h 30 min recorded."

    ticket = await desk.ticket(1)
    assert (ticket.status, ticket.time_spent_minutes, ticket.no_charge) == ("closed", 90, False)
    assert await time_entries(desk) == [(90, False)]
    closed = desk.fake.message(SAM, private.message_id)
    assert "🏁 Closed by Sam Specialist, 1 h 30 min recorded." in closed.text and labels(closed) == []
    await desk.until(shows(desk, DISPATCHERS, card.message_id, "🏁 Closed by Sam Specialist, 1 h 30 min recorded."),
                     "the dispatcher card says the ticket was closed")
    # The question is answered: text is no longer read as a time.
    await desk.reply_to(SAM, "/my", contains="no open tickets")
    assert await time_entries(desk) == [(90, False)]


async def test_a_quick_button_closes_once_even_when_tapped_twice(desk):
    _, private = await assigned(desk)
    await desk.press(SAM, SAM, private.message_id, CLOSE)
    first = desk.fake.press_button(SAM, SAM, private.message_id, minutes(60))
    second = desk.fake.press_button(SAM, SAM, private.message_id, minutes(60))
    answers = sorted([(await desk.answer(first)).text, (await desk.answer(second)).text])
    assert answers == ["Ticket #1 is already closed.", "✅ #1 closed, 1 h recorded."]
    assert await time_entries(desk) == [(60, False)]
    assert (await desk.ticket(1)).time_spent_minutes == 60
    assert labels(desk.fake.message(SAM, private.message_id)) == []


async def test_no_charge_closes_with_zero_minutes_and_the_mark(desk):
    card, private = await assigned(desk)
    await desk.press(SAM, SAM, private.message_id, CLOSE)
    desk.pause()
    answer = await desk.press(SAM, SAM, private.message_id, minutes(NO_CHARGE))
    assert answer.text == "✅ #1 closed at no charge."
    ticket = await desk.ticket(1)
    assert (ticket.status, ticket.time_spent_minutes, ticket.no_charge) == ("closed", 0, True)
    assert await time_entries(desk) == [(0, True)]
    assert "Closed by Sam Specialist at no charge." in desk.fake.message(SAM, private.message_id).text
    await desk.until(shows(desk, DISPATCHERS, card.message_id, "at no charge"), "the dispatcher card follows")


async def test_cancel_leaves_the_ticket_open_by_button_or_by_command(desk):
    _, private = await assigned(desk)
    await desk.press(SAM, SAM, private.message_id, CLOSE)
    desk.pause()
    answer = await desk.press(SAM, SAM, private.message_id, minutes(CANCEL))
    assert answer.text == "#1 stays open."
    restored = desk.fake.message(SAM, private.message_id)
    assert labels(restored) == ["Take", "Answer", "Ask a colleague", "Wait for customer", "Close", "Reassign"] and "How long" not in restored.text
    # No question is open any more: a number typed now is not a time.
    desk.fake.user_message(SAM, "45")
    await desk.reply_to(SAM, "/my", contains="You have 1 open ticket")
    assert (await desk.ticket(1)).status == "assigned" and await time_entries(desk) == []

    await desk.press(SAM, SAM, private.message_id, CLOSE)
    reply = await desk.reply_to(SAM, "/cancel", contains="stays open")
    assert reply.text == "#1 stays open."
    assert labels(desk.fake.message(SAM, private.message_id)) == ["Take", "Answer", "Ask a colleague", "Wait for customer", "Close", "Reassign"]
    assert (await desk.ticket(1)).status == "assigned"


async def test_reassign_sends_the_ticket_back_with_a_new_card_that_works(desk):
    _, private = await assigned(desk)
    answer = await desk.press(SAM, SAM, private.message_id, REASSIGN)
    assert answer.text == "↩️ #1 went back to the dispatcher."
    back = desk.fake.message(SAM, private.message_id)
    assert "#1 went back to the dispatcher." in back.text and labels(back) == []
    ticket = await desk.ticket(1)
    assert (ticket.status, ticket.assignee_id) == ("new", None) and ticket.next_nag_at is not None

    again = await desk.fake.wait_for_bot_message(DISPATCHERS, count=2, text_contains="#1 ")
    assert "Sam Specialist sent it back: choose someone else." in again.text
    assert again.button_data()[0] == DepartmentV1(ticket=1, department=SUPPORT).pack()
    desk.pause()
    await desk.press(DINA, DISPATCHERS, again.message_id, again.button_data()[0])
    desk.pause()
    await desk.press(DINA, DISPATCHERS, again.message_id, AssignV2(ticket=1, department=SUPPORT, staff=staff_id(PAT)).pack())
    await desk.fake.wait_for_bot_message(PAT, text_contains="Dina Dispatcher assigned you a ticket")
    assert (await desk.ticket(1)).assignee_id == staff_id(PAT)
