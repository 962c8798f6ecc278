"""Reminder cards carry the department buttons too: only the newest of a ticket has them, and none once it is assigned."""
from __future__ import annotations

from deskbot.bot.sweeps.nags import nag_due_tickets
from harness.bot_desk import CONFIG, DEPARTMENTS, DINA, DISPATCHERS, EN, SAM, add_ticket, open_support, to

FIVE_MINUTES = 300.0


async def reminder(desk, number: int, count: int):
    """Five minutes pass and the nag sweep runs: the `count`-th reminder of the ticket arrives."""
    desk.pause(FIVE_MINUTES)
    async with desk.sessions.begin() as s:
        assert await nag_due_tickets(s, CONFIG, EN, desk.clock.now(), budget=20) == 1
    desk.sender.wake()
    return await desk.fake.wait_for_bot_message(DISPATCHERS, text_contains="Not assigned yet", count=count)


def buttons_of(desk, message) -> list[str]:
    return desk.fake.message(DISPATCHERS, message.message_id).button_data()


async def test_a_newer_reminder_takes_the_buttons_from_the_older_one(desk):
    await add_ticket(desk.sessions, 1)
    card = await desk.card(1)
    first = await reminder(desk, 1, count=1)
    assert first.button_data() == DEPARTMENTS and first.message_id != card.message_id

    second = await reminder(desk, 1, count=2)
    assert second.button_data() == DEPARTMENTS
    await desk.until(lambda: buttons_of(desk, first) == [], "the older reminder losing its buttons")
    shown = desk.fake.message(DISPATCHERS, first.message_id)
    assert shown.text == first.text  # what it said stays: the ticket did wait that long
    assert buttons_of(desk, card) == DEPARTMENTS  # the card keeps its own


async def test_assigning_from_the_card_takes_the_buttons_off_the_reminder(desk):
    await add_ticket(desk.sessions, 1)
    card = await desk.card(1)
    nag = await reminder(desk, 1, count=1)
    await open_support(desk, card)
    await desk.press(DINA, DISPATCHERS, card.message_id, to(SAM))

    await desk.until(lambda: buttons_of(desk, nag) == [], "the reminder losing its buttons")
    assert "Assigned by Dina Dispatcher to Sam Specialist" in desk.fake.message(DISPATCHERS, card.message_id).text
    assert desk.fake.message(DISPATCHERS, nag.message_id).text == nag.text


async def test_assigning_from_the_reminder_redraws_it_and_the_card(desk):
    await add_ticket(desk.sessions, 1)
    card = await desk.card(1)
    nag = await reminder(desk, 1, count=1)
    await open_support(desk, nag)
    await desk.press(DINA, DISPATCHERS, nag.message_id, to(SAM))

    tapped = desk.fake.message(DISPATCHERS, nag.message_id)
    assert "Assigned by Dina Dispatcher to Sam Specialist" in tapped.text and buttons_of(desk, nag) == []

    def card_followed():
        shown = desk.fake.message(DISPATCHERS, card.message_id)
        return "Assigned by Dina Dispatcher to Sam Specialist" in shown.text and not shown.button_data()
    await desk.until(card_followed, "the card redrawn through the outbox")
    await desk.outbox_drained()
    edits = desk.fake.calls("editMessageText") + desk.fake.calls("editMessageReplyMarkup")
    assert {c.status for c in edits} == {200}  # nothing edited twice ("message is not modified")
