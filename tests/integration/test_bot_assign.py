"""Assigning from the dispatcher chat: department, people, back, a person; refusals and races."""
from __future__ import annotations

from sqlalchemy import func, select

from deskbot.bot.render.callbacks import DepartmentsV1, DepartmentV1
from deskbot.dispatch import tickets
from deskbot.storage.models import Department, Staff, TicketEvent
from harness.bot_desk import (
    DAN, DEPARTMENTS, DINA, DISPATCHERS, HOSTILE_SUBJECT, PAT, SAM, STRANGER, SUPPORT, add_ticket, labels,
    open_support, staff_id, to,
)

SUPPORT_PEOPLE = ["Dan Dispatcher", "Pat Specialist", "Sam Specialist", "« Back"]


async def events(desk) -> int:
    async with desk.sessions() as s:
        return await s.scalar(select(func.count()).select_from(TicketEvent))


async def test_department_then_person_assigns_and_the_assignee_gets_the_ticket(desk):
    await add_ticket(desk.sessions, 1, HOSTILE_SUBJECT)
    card = await desk.card(1)
    assert card.button_data() == DEPARTMENTS and HOSTILE_SUBJECT in card.text

    desk.pause()
    answer = await desk.press(DINA, DISPATCHERS, card.message_id, DEPARTMENTS[1])
    assert (answer.text, answer.show_alert) == ("Choose a person in Network:", False)
    assert labels(desk.fake.message(DISPATCHERS, card.message_id)) == ["Nina Network", "« Back"]
    desk.pause()
    await desk.press(DINA, DISPATCHERS, card.message_id, DepartmentsV1(ticket=1).pack())
    assert desk.fake.message(DISPATCHERS, card.message_id).button_data() == DEPARTMENTS
    await open_support(desk, card)
    shown = desk.fake.message(DISPATCHERS, card.message_id)
    assert labels(shown) == SUPPORT_PEOPLE and shown.text == card.text  # the same message, its buttons changed

    answer = await desk.press(DINA, DISPATCHERS, card.message_id, to(SAM))
    assert not answer.show_alert
    assigned = desk.fake.message(DISPATCHERS, card.message_id)
    assert "✅ Assigned by Dina Dispatcher to Sam Specialist at 12:00." in assigned.text  # Moscow time
    assert HOSTILE_SUBJECT in assigned.text and list(assigned.buttons()) == []
    ticket = await desk.ticket(1)
    assert (ticket.status, ticket.assignee_id, ticket.assigned_by_id) == ("assigned", staff_id(SAM), staff_id(DINA))

    private = await desk.fake.wait_for_bot_message(SAM, text_contains="Dina Dispatcher assigned you a ticket")
    assert HOSTILE_SUBJECT in private.text and "It smokes." in private.text and "old quoted mail" not in private.text
    assert labels(private) == ["Take", "Answer", "Ask a colleague", "Wait for customer", "Close", "Reassign"]


async def test_only_a_dispatcher_assigns_and_a_refusal_changes_nothing(desk):
    await add_ticket(desk.sessions, 1)
    card = await desk.card(1)
    await open_support(desk, card)
    before = desk.fake.message(DISPATCHERS, card.message_id)
    versions = len(before.history)

    answer = await desk.press(SAM, DISPATCHERS, card.message_id, to(SAM))
    assert (answer.text, answer.show_alert) == ("Only a dispatcher can assign tickets.", True)
    answer = await desk.press(STRANGER, DISPATCHERS, card.message_id, to(PAT))
    assert (answer.text, answer.show_alert) == ("You are not on the staff list.", True)
    answer = await desk.press(SAM, DISPATCHERS, card.message_id, DepartmentsV1(ticket=1).pack())
    assert (answer.text, answer.show_alert) == ("Only a dispatcher can assign tickets.", True)

    after = desk.fake.message(DISPATCHERS, card.message_id)
    assert len(after.history) == versions and labels(after) == SUPPORT_PEOPLE
    assert (await desk.ticket(1)).status == "new" and await events(desk) == 0


async def test_two_dispatchers_at_once_assign_exactly_once_and_the_other_is_told_who_won(desk):
    await add_ticket(desk.sessions, 1)
    card = await desk.card(1)
    await open_support(desk, card)

    dina = desk.fake.press_button(DINA, DISPATCHERS, card.message_id, to(SAM))
    dan = desk.fake.press_button(DAN, DISPATCHERS, card.message_id, to(PAT))
    answers = {DINA: await desk.answer(dina), DAN: await desk.answer(dan)}

    ticket = await desk.ticket(1)
    won = {staff_id(SAM): (DINA, "Dina Dispatcher", SAM, "Sam Specialist"),
           staff_id(PAT): (DAN, "Dan Dispatcher", PAT, "Pat Specialist")}[ticket.assignee_id]
    winner, winner_name, assignee, assignee_name = won
    loser = DAN if winner == DINA else DINA
    assert not answers[winner].show_alert
    assert answers[loser].show_alert and answers[loser].text == f"Already assigned by {winner_name} to {assignee_name}."
    assert await events(desk) == 1

    shown = desk.fake.message(DISPATCHERS, card.message_id)
    assert f"Assigned by {winner_name} to {assignee_name}" in shown.text and list(shown.buttons()) == []
    await desk.fake.wait_for_bot_message(assignee, text_contains="assigned you a ticket")
    await desk.outbox_drained()
    assert desk.fake.bot_messages(PAT if assignee == SAM else SAM) == []


async def test_a_card_whose_ticket_was_assigned_elsewhere_loses_its_buttons_at_the_first_tap(desk):
    await add_ticket(desk.sessions, 1)
    await add_ticket(desk.sessions, 2, "VPN is down")
    card, other = await desk.card(1), await desk.card(2)
    await open_support(desk, card)
    async with desk.sessions.begin() as s:  # a rule, or a dispatcher on another card
        await tickets.assign(s, 1, await s.get(Staff, staff_id(DAN)), staff_id(PAT), desk.clock.now())
        await tickets.assign(s, 2, await s.get(Staff, staff_id(DAN)), staff_id(PAT), desk.clock.now())

    answer = await desk.press(DINA, DISPATCHERS, card.message_id, to(SAM))
    assert (answer.text, answer.show_alert) == ("Already assigned by Dan Dispatcher to Pat Specialist.", True)
    shown = desk.fake.message(DISPATCHERS, card.message_id)
    assert "Assigned by Dan Dispatcher to Pat Specialist" in shown.text and list(shown.buttons()) == []
    desk.pause()
    answer = await desk.press(DINA, DISPATCHERS, other.message_id, DepartmentV1(ticket=2, department=SUPPORT).pack())
    shown = desk.fake.message(DISPATCHERS, other.message_id)
    assert "Assigned by Dan Dispatcher to Pat Specialist" in shown.text and list(shown.buttons()) == []
    assert (await desk.ticket(1)).assignee_id == staff_id(PAT) and await events(desk) == 2


async def test_a_dispatcher_assigns_from_a_private_chat_and_the_dispatcher_card_follows(desk):
    await add_ticket(desk.sessions, 1, HOSTILE_SUBJECT)
    card = await desk.card(1)
    view = await desk.reply_to(DINA, "/ticket 1", contains="#1 ")
    assert view.button_data() == DEPARTMENTS and "Status: waiting for assignment" in view.text

    await desk.press(DINA, DINA, view.message_id, DEPARTMENTS[0])
    desk.pause()
    await desk.press(DINA, DINA, view.message_id, to(PAT))
    assert "Assigned by Dina Dispatcher to Pat Specialist" in desk.fake.message(DINA, view.message_id).text

    def card_followed():
        shown = desk.fake.message(DISPATCHERS, card.message_id)
        return "Assigned by Dina Dispatcher to Pat Specialist" in shown.text and not list(shown.buttons())
    await desk.until(card_followed, "the dispatcher chat's card redrawn through the outbox")
    await desk.fake.wait_for_bot_message(PAT, text_contains="assigned you a ticket")


async def test_a_department_without_people_says_so_and_keeps_the_departments(desk):
    async with desk.sessions.begin() as s:
        s.add(Department(key="empty", name="Empty <desk>", position=9))
    await add_ticket(desk.sessions, 1)
    card = await desk.card(1)
    desk.pause()
    empty = card.button_data()[-1]
    answer = await desk.press(DINA, DISPATCHERS, card.message_id, empty)
    assert (answer.text, answer.show_alert) == ("Nobody works in Empty <desk> yet.", False)
    assert desk.fake.message(DISPATCHERS, card.message_id).button_data() == card.button_data()
