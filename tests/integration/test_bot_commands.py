"""Commands: /start for strangers and staff, /my, /queue, /ticket N and /ticket_N."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from deskbot.bot.render.callbacks import DepartmentV1, TicketActionV1
from deskbot.bot.render.texts import MESSAGE_LIMIT, utf16_len
from deskbot.storage.models import Ticket
from harness.bot_desk import (
    DINA, DISPATCHERS, HOSTILE_SUBJECT, NINA, SAM, START, STRANGER, SUPPORT, add_ticket,
)


async def test_start_tells_a_stranger_their_id_and_greets_staff(desk):
    stranger = await desk.reply_to(STRANGER, "/start", contains="Hello")
    assert "Your Telegram id is 4242" in stranger.text and "[[staff]]" in stranger.text
    staff = await desk.reply_to(SAM, "/start", contains="Hello")
    assert staff.text.startswith("Hello, Sam Specialist!") and "/my" in staff.text


async def test_strangers_get_a_short_refusal_from_every_other_command(desk):
    await add_ticket(desk.sessions, 1)
    for command in ("/my", "/queue", "/ticket 1", "/ticket_1"):
        reply = await desk.reply_to(STRANGER, command, contains="staff")
        assert reply.text == "You are not on the staff list."
    assert (await desk.ticket(1)).status == "new"


async def test_my_lists_my_open_tickets(desk):
    await add_ticket(desk.sessions, 1, HOSTILE_SUBJECT, status="assigned", assignee=SAM)
    await add_ticket(desk.sessions, 2, "VPN", status="in_progress", assignee=SAM)
    await add_ticket(desk.sessions, 3, "Closed one", status="closed", assignee=SAM)
    await add_ticket(desk.sessions, 4, "Someone else's", status="assigned", assignee=NINA)
    mine = await desk.reply_to(SAM, "/my", contains="open tickets")
    assert mine.text.splitlines() == ["You have 2 open tickets",
                                      f"/ticket_1 {HOSTILE_SUBJECT} · assigned",
                                      "/ticket_2 VPN · in progress"]
    assert (await desk.reply_to(DINA, "/my", contains="open")).text == "You have no open tickets."


async def test_queue_lists_the_waiting_tickets_with_their_age(desk):
    assert (await desk.reply_to(SAM, "/queue", contains="waiting")).text == "No tickets are waiting for assignment."
    await add_ticket(desk.sessions, 1, HOSTILE_SUBJECT, created=START - timedelta(minutes=90))
    await add_ticket(desk.sessions, 2, "VPN", customer="Bob Stone", created=START - timedelta(minutes=20))
    await add_ticket(desk.sessions, 3, "Taken", status="assigned", assignee=SAM)
    queue = await desk.reply_to(SAM, "/queue", contains="waiting", chat=None)
    assert queue.text.splitlines() == ["⏰ 2 tickets are waiting",
                                       f"/ticket_1 {HOSTILE_SUBJECT} · Ann Lee · 1 h 30 min",
                                       "/ticket_2 VPN · Bob Stone · 20 min"]


async def test_a_long_queue_fits_one_message_and_counts_the_rest(desk):
    await add_ticket(desk.sessions, 1)
    async with desk.sessions.begin() as s:
        await s.execute(insert(Ticket), [
            {"id": n, "subject": f"Mail storm {n} " + "x" * 40, "status": "new", "created_at": START,
             "updated_at": START} for n in range(2, 301)])
    queue = await desk.reply_to(DINA, "/queue", chat=DISPATCHERS, contains="waiting")
    lines = queue.text.splitlines()
    assert lines[0] == "⏰ 300 tickets are waiting" and utf16_len(queue.text) <= MESSAGE_LIMIT
    shown = len(lines) - 2
    assert 40 < shown < 300 and lines[-1] == f"…and {300 - shown} more"


async def test_ticket_shows_a_card_with_the_buttons_that_viewer_may_use(desk):
    await add_ticket(desk.sessions, 1, HOSTILE_SUBJECT)
    await add_ticket(desk.sessions, 2, "VPN", status="assigned", assignee=SAM)
    departments = [DepartmentV1(ticket=1, department=SUPPORT).pack(), DepartmentV1(ticket=1, department=2).pack()]

    in_group = await desk.reply_to(DINA, "/ticket_1", chat=DISPATCHERS, contains="#1 ")
    assert HOSTILE_SUBJECT in in_group.text and in_group.button_data() == departments
    desk.pause()
    await desk.press(DINA, DISPATCHERS, in_group.message_id, departments[0])
    assert "Sam Specialist" in [b["text"] for b in desk.fake.message(DISPATCHERS, in_group.message_id).buttons()]

    for_specialist = await desk.reply_to(SAM, "/ticket 1", contains="#1 ")
    assert "Status: waiting for assignment, assignee: nobody" in for_specialist.text
    assert for_specialist.button_data() == []  # a specialist does not assign
    mine = await desk.reply_to(SAM, "/ticket #2", contains="#2 ")
    assert mine.button_data() == [TicketActionV1(ticket=2, action=a).pack() for a in (
        "take", "answer", "escalate", "wait", "close", "reassign")]
    theirs = await desk.reply_to(NINA, "/ticket 2", contains="#2 ")
    assert "Assigned by Dina Dispatcher to Sam Specialist" in theirs.text and theirs.button_data() == []

    assert (await desk.reply_to(SAM, "/ticket 99", contains="99")).text == "There is no ticket #99."
    assert (await desk.reply_to(SAM, "/ticket_12345678901", contains="number")).text.startswith("Put the number")
    assert (await desk.reply_to(SAM, "/ticket soon", contains="number")).text.startswith("Put the number")
