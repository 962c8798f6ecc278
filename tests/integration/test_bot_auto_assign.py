"""Automatic assignment through the bot: a department tap in a round-robin department assigns at once, the
override, /away and /back, nobody available, take_within with a shifted clock, and the sweep that tells
the assignee of an assignment made outside a tap (the web form, a rule). Against the fake Telegram."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from deskbot.bot.render.callbacks import DepartmentV1
from deskbot.bot.notify import Notifier
from deskbot.bot.sweeps.assigned import pass_on_untaken, tell_assigned
from deskbot.dispatch import assignment
from deskbot.dispatch.config import Config
from deskbot.storage.models import Staff, TicketEvent
from harness.bot_desk import (
    DAN, DEPARTMENTS, DINA, DISPATCHERS, EN, HOSTILE_SUBJECT, NINA, PAT, SAM, START, SUPPORT, add_ticket, labels,
    running_desk, staff_id, to,
)

AUTO = Config.model_validate({
    "mailbox": {"host": "imap.test", "username": "support@desk.test"},
    "telegram": {"dispatcher_chat_id": DISPATCHERS, "language": "en"},
    "dispatch": {"timezone": "Europe/Moscow", "nag_every": "5m"},
    "departments": [{"key": "support", "name": "Support", "assign": "round_robin", "take_within": "30m"},
                    {"key": "network", "name": "Network"}],
    "staff": [
        {"name": "Dina Dispatcher", "telegram_id": DINA, "roles": ["dispatcher"]},
        {"name": "Dan Dispatcher", "telegram_id": DAN, "departments": ["support"], "roles": ["dispatcher", "specialist"]},
        {"name": "Sam Specialist", "telegram_id": SAM, "departments": ["support"]},
        {"name": "Pat Specialist", "telegram_id": PAT, "departments": ["support"]},
        {"name": "Nina Network", "telegram_id": NINA, "departments": ["network"]},
    ],
})
SUPPORT_PEOPLE = ["Dan Dispatcher", "Pat Specialist", "Sam Specialist", "« Back"]


@pytest.fixture
async def desk(engine):
    async with running_desk(engine, AUTO) as ready:
        yield ready


async def tap_support(desk, card, who: int = DINA):
    desk.pause()
    answer = await desk.press(who, DISPATCHERS, card.message_id, DEPARTMENTS[0])
    desk.pause()
    return answer


async def events(desk, kind: str) -> list[str]:
    async with desk.sessions() as s:
        return list(await s.scalars(select(TicketEvent.detail).where(TicketEvent.kind == kind).order_by(TicketEvent.id)))


async def sweep_untaken(desk) -> int:
    async with desk.sessions.begin() as s:
        moved = await pass_on_untaken(s, AUTO, Notifier(AUTO, EN), desk.clock.now())
    desk.sender.wake()
    return moved


async def test_a_department_tap_assigns_at_once_and_the_assignee_gets_the_ticket(desk):
    await add_ticket(desk.sessions, 1, HOSTILE_SUBJECT)
    card = await desk.card(1)
    answer = await tap_support(desk, card)
    assert answer.text == "Assigned to Dan Dispatcher: round robin. To change it, choose another person."

    shown = desk.fake.message(DISPATCHERS, card.message_id)
    assert "🤖 Assigned automatically to Dan Dispatcher at 12:00: round robin." in shown.text
    assert labels(shown) == SUPPORT_PEOPLE  # the same buttons: the dispatcher may choose someone else
    private = await desk.fake.wait_for_bot_message(DAN, text_contains="You were assigned a ticket")
    assert "(round robin)" in private.text and HOSTILE_SUBJECT in private.text
    assert labels(private) == ["Take", "Answer", "Ask a colleague", "Wait for customer", "Close", "Reassign"]

    ticket = await desk.ticket(1)
    assert (ticket.status, ticket.assignee_id, ticket.assigned_by_id, ticket.assigned_how) == (
        "assigned", staff_id(DAN), staff_id(DINA), "round_robin")
    assert ticket.take_by == ticket.assigned_at + timedelta(minutes=30) and ticket.tell_assignee_at is None
    assert await events(desk, "auto_assigned") == ["to Dan Dispatcher in Support: round robin"]

    # Taken: the override buttons go, take_within is over.
    desk.pause()
    await desk.press(DAN, DAN, private.message_id, next(b["callback_data"] for b in private.buttons()))
    await desk.until(lambda: not labels(desk.fake.message(DISPATCHERS, card.message_id)), "the buttons gone")
    assert (await desk.ticket(1)).take_by is None


async def test_the_dispatcher_overrides_the_automatic_choice(desk):
    await add_ticket(desk.sessions, 1)
    card = await desk.card(1)
    await tap_support(desk, card)
    dans = await desk.fake.wait_for_bot_message(DAN, text_contains="You were assigned a ticket")
    desk.pause()

    await desk.press(DINA, DISPATCHERS, card.message_id, to(PAT))
    shown = desk.fake.message(DISPATCHERS, card.message_id)
    assert "✅ Assigned by Dina Dispatcher to Pat Specialist" in shown.text and labels(shown) == []
    await desk.fake.wait_for_bot_message(PAT, text_contains="Dina Dispatcher assigned you a ticket")
    await desk.until(lambda: "Dina Dispatcher gave it to Pat Specialist instead." in
                     desk.fake.message(DAN, dans.message_id).text, "Dan's card redrawn")
    assert labels(desk.fake.message(DAN, dans.message_id)) == []
    ticket = await desk.ticket(1)
    assert (ticket.assignee_id, ticket.assigned_how, ticket.take_by) == (staff_id(PAT), None, None)
    assert await events(desk, "assigned") == ["to Pat Specialist instead of Dan Dispatcher"]


async def test_away_and_back_in_a_private_chat(desk):
    reply = await desk.reply_to(SAM, "/away 3d", contains="away")
    assert "You are away until 05.03.2026 12:00" in reply.text
    told = await desk.fake.wait_for_bot_message(DISPATCHERS, text_contains="Sam Specialist is away")
    assert "until 05.03.2026 12:00" in told.text
    reply = await desk.reply_to(PAT, "/away someday", contains="could not read")
    listed = await desk.reply_to(DINA, "/away", chat=DISPATCHERS, contains="Away now")
    assert "Sam Specialist, until 05.03.2026 12:00" in listed.text and "Pat" not in listed.text

    await add_ticket(desk.sessions, 1)
    await add_ticket(desk.sessions, 2)
    for number in (1, 2):  # Dan, then Pat: Sam is away
        card = await desk.card(number)
        desk.pause()
        await desk.press(DINA, DISPATCHERS, card.message_id, DepartmentV1(ticket=number, department=SUPPORT).pack())
    assert [(await desk.ticket(n)).assignee_id for n in (1, 2)] == [staff_id(DAN), staff_id(PAT)]

    reply = await desk.reply_to(SAM, "/back", contains="back")
    assert "Welcome back" in reply.text
    await desk.fake.wait_for_bot_message(DISPATCHERS, text_contains="Sam Specialist is back.")
    reply = await desk.reply_to(SAM, "/back", contains="not away")
    async with desk.sessions() as s:
        sam = await s.get(Staff, staff_id(SAM))
    assert (sam.away_since, sam.away_until) == (None, None)


async def test_nobody_available_leaves_the_choice_to_the_dispatcher(desk):
    async with desk.sessions.begin() as s:
        await s.execute(update(Staff).where(Staff.id.in_([staff_id(DAN), staff_id(SAM), staff_id(PAT)]))
                        .values(away_since=START - timedelta(days=1)))
    await add_ticket(desk.sessions, 1)
    card = await desk.card(1)
    answer = await tap_support(desk, card)
    assert answer.show_alert and answer.text.startswith("Nobody can take it automatically (nobody available: Dan")
    assert labels(desk.fake.message(DISPATCHERS, card.message_id)) == SUPPORT_PEOPLE
    assert (await desk.ticket(1)).status == "new"
    await desk.press(DINA, DISPATCHERS, card.message_id, to(SAM))  # a person's choice, away or not
    assert (await desk.ticket(1)).assignee_id == staff_id(SAM)


async def test_not_taken_within_30_minutes_goes_to_the_next_then_back_to_the_dispatcher(desk):
    await add_ticket(desk.sessions, 1)
    card = await desk.card(1)
    await tap_support(desk, card)
    dans = await desk.fake.wait_for_bot_message(DAN, text_contains="You were assigned a ticket")
    assert await sweep_untaken(desk) == 0  # not yet

    desk.clock.advance(31 * 60)
    assert await sweep_untaken(desk) == 1
    sams = await desk.fake.wait_for_bot_message(SAM, text_contains="You were assigned a ticket")
    await desk.until(lambda: "Not taken in time: passed on to Sam Specialist." in
                     desk.fake.message(DAN, dans.message_id).text, "Dan's card redrawn")
    assert (await desk.ticket(1)).assignee_id == staff_id(SAM)

    desk.clock.advance(31 * 60)
    assert await sweep_untaken(desk) == 1
    pats = await desk.fake.wait_for_bot_message(PAT, text_contains="You were assigned a ticket")
    desk.clock.advance(31 * 60)
    assert await sweep_untaken(desk) == 1
    back = await desk.fake.wait_for_bot_message(DISPATCHERS, text_contains="Nobody took it in time")
    assert "(Pat Specialist last)" in back.text and len(labels(back)) == 2  # the departments again
    await desk.until(lambda: "back to the dispatcher" in desk.fake.message(PAT, pats.message_id).text,
                     "Pat's card redrawn")
    ticket = await desk.ticket(1)
    assert (ticket.status, ticket.assignee_id, ticket.take_by) == ("new", None, None)
    assert ticket.next_nag_at == ticket.updated_at + timedelta(minutes=5)  # the reminders go on
    assert labels(desk.fake.message(SAM, sams.message_id)) == []
    assert await events(desk, "back_to_dispatcher") == [
        "not taken within 30m by Pat Specialist; nobody available: Dan Dispatcher did not take it, "
        "Sam Specialist did not take it, Pat Specialist did not take it"]


async def test_an_assignment_made_elsewhere_is_told_by_the_sweep(desk):
    """The web form's request type or a rule: place() without a tap; the sweep sends the assignee the ticket
    and shows the dispatcher chat who got it and why, with the override buttons, within the chat's room."""
    await add_ticket(desk.sessions, 1, HOSTILE_SUBJECT)
    await add_ticket(desk.sessions, 2, "Second")
    async with desk.sessions.begin() as s:
        placed = [await assignment.place(s, AUTO, n, SUPPORT, desk.clock.now()) for n in (1, 2)]
    assert [p.assignee.name for p in placed] == ["Dan Dispatcher", "Sam Specialist"]
    async with desk.sessions.begin() as s:
        assert await tell_assigned(s, Notifier(AUTO, EN), desk.clock.now(), room=1) == 2
    desk.sender.wake()
    private = await desk.fake.wait_for_bot_message(DAN, text_contains="You were assigned a ticket")
    assert HOSTILE_SUBJECT in private.text and "Take" in labels(private)
    await desk.fake.wait_for_bot_message(SAM, text_contains="Second")
    card = await desk.fake.wait_for_bot_message(DISPATCHERS, text_contains="Assigned automatically to Dan")
    assert labels(card) == SUPPORT_PEOPLE
    await desk.outbox_drained()
    assert len(desk.fake.bot_messages(DISPATCHERS)) == 1  # no room for the second ticket's card
    ticket = await desk.ticket(1)
    assert ticket.tell_assignee_at is None and ticket.announced_at is not None
    async with desk.sessions.begin() as s:
        assert await tell_assigned(s, Notifier(AUTO, EN), desk.clock.now(), room=10) == 0  # told once
