"""/ticket N shows the card, then the ticket's whole conversation, paged with ◀ Older / Newer ▶."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update

from deskbot.bot.render.callbacks import ConversationV1
from deskbot.bot.render.texts import MESSAGE_LIMIT, utf16_len
from deskbot.storage.models import Message, OutboxMessage, Staff, Ticket
from harness.mails import eventually
from harness.bot_desk import NINA, SAM, START, STRANGER, add_ticket, staff_id

PAGE = " · conversation · "


def to_page(page: int) -> str:
    return ConversationV1(ticket=1, page=page).pack()


async def add_message(desk, direction: str, who: str, body: str, minutes: int) -> None:
    async with desk.sessions.begin() as s:
        s.add(Message(ticket_id=1, direction=direction, sender_name=who, subject="Re: Printer on fire", body=body,
                      sender_email="ann@example.com" if direction == "in" else "support@desk.test",
                      created_at=START + timedelta(minutes=minutes)))


async def open_ticket(desk, user: int):
    """/ticket 1: the card, and the conversation page right after it."""
    card = await desk.reply_to(user, "/ticket 1", contains="#1 ")
    page = await desk.fake.wait_for_bot_message(user, text_contains=PAGE)
    assert page.message_id > card.message_id
    return card, page


async def turn(desk, user: int, page, to: int) -> str:
    """Press the page's button to `to`; the page as it is redrawn."""
    desk.pause()
    answer = await desk.press(user, user, page.message_id, to_page(to))
    assert not answer.show_alert
    shown = await desk.until(lambda: (lambda m: m.text if f"page {to} of" in m.text else None)(
        desk.fake.message(user, page.message_id)), f"page {to}")
    assert utf16_len(shown) <= MESSAGE_LIMIT
    return shown


async def test_a_first_mail_alone_is_one_page_with_all_that_the_card_cut(desk):
    body = "Dear support,\n" + "the printer smokes when it prints. " * 40 + "\n> earlier mail\n-- \nAnn, +1 555 0100"
    await add_ticket(desk.sessions, 1, body=body)
    card, page = await open_ticket(desk, SAM)
    assert "…" in card.text and "+1 555 0100" not in card.text  # the card's excerpt is a glance
    assert page.text.startswith("💬 #1 · conversation · page 1 of 1 · 1 message\n\n📨 From Ann Lee · 2026-03-02 12:00\n")
    assert page.text.endswith(body) and page.button_data() == []


async def test_older_pages_are_reached_with_the_buttons_newest_first(desk):
    await add_ticket(desk.sessions, 1, status="assigned", assignee=SAM, body="It smokes. " + "a" * 2500)
    await add_message(desk, "out", "Sam Specialist", "Unplug it. " + "b" * 2500, 30)
    await add_message(desk, "in", "Ann Lee", "Still smokes. " + "c" * 2500, 60)
    await add_message(desk, "out", "Sam Specialist", "A technician is on the way.", 90)
    _, page = await open_ticket(desk, NINA)  # any staff member may read
    assert "page 3 of 3 · 4 messages" in page.text
    assert "Still smokes." in page.text and page.text.endswith("A technician is on the way.")
    assert page.button_data() == [to_page(2), to_page(1)]  # ◀ Older, ⏮ First

    older = await turn(desk, NINA, page, 2)
    assert "📤 Sam Specialist to the customer · 2026-03-02 12:30\nUnplug it." in older
    assert desk.fake.message(NINA, page.message_id).button_data() == [to_page(1), to_page(3)]
    oldest = await turn(desk, NINA, page, 1)
    assert "📨 From Ann Lee · 2026-03-02 12:00\nIt smokes." in oldest
    assert desk.fake.message(NINA, page.message_id).button_data() == [to_page(2), to_page(3)]  # Newer, Latest ⏭
    assert (await turn(desk, NINA, page, 3)).endswith("A technician is on the way.")


async def test_a_12000_character_mail_spans_pages_that_telegram_accepts(desk):
    body = "".join(f"Line {n}: <b>Tom & Jerry</b> 😀 &amp; said “hi”\n" for n in range(300))
    assert len(body) > 12_000
    await add_ticket(desk.sessions, 1, body=body)
    _, page = await open_ticket(desk, SAM)
    total = int(page.text.split(" of ", 1)[1].split(" ", 1)[0])
    assert total >= 4 and utf16_len(page.text) <= MESSAGE_LIMIT
    shown = [page.text]
    for number in range(total - 1, 0, -1):
        shown.insert(0, await turn(desk, SAM, page, number))
    pieces = [text.split("\n", 3)[3] for text in shown]  # below the page's and the entry's headers
    assert all("(continued)" in text for text in shown[1:])
    assert "\n".join(pieces) == body.strip()  # every line, in order, shown as typed


async def test_an_internal_note_is_marked_internal(desk):
    await add_ticket(desk.sessions, 1, status="assigned", assignee=SAM)
    await add_message(desk, "note", "Pat Specialist", "The customer is <VIP> & calls first.", 10)
    _, page = await open_ticket(desk, SAM)
    assert page.text.endswith("🔒 Internal note — Pat Specialist · 2026-03-02 12:10\n"
                              "The customer is <VIP> & calls first.")


async def test_strangers_former_staff_and_other_groups_see_no_conversation(desk):
    await add_ticket(desk.sessions, 1, body="x " * 3000)
    refused = await desk.reply_to(STRANGER, "/ticket 1", contains="staff")
    assert refused.text == "You are not on the staff list."

    desk.fake.add_group(-2002, "Elsewhere", members=[SAM])  # notes are internal: not into any group
    await desk.reply_to(SAM, "/ticket 1", chat=-2002, contains="#1 ")

    _, page = await open_ticket(desk, SAM)
    async with desk.sessions.begin() as s:
        await s.execute(update(Staff).where(Staff.id == staff_id(SAM)).values(active=False))
    desk.pause()
    answer = await desk.press(SAM, SAM, page.message_id, to_page(1))
    assert (answer.text, answer.show_alert) == ("You are not on the staff list.", True)
    assert desk.fake.message(SAM, page.message_id).text == page.text
    assert not [m for m in desk.fake.bot_messages(-2002) + desk.fake.bot_messages(STRANGER) if PAGE in m.text]


async def test_a_ticket_that_is_gone_gets_an_alert(desk):
    await add_ticket(desk.sessions, 1, body="x " * 3000)
    _, page = await open_ticket(desk, SAM)

    async def both_recorded():  # the view and the page are recorded just after they are sent
        async with desk.sessions() as s:
            return await s.scalar(select(func.count()).where(OutboxMessage.ticket_id == 1)) == 2
    await eventually(both_recorded, what="the view and the page recorded")
    async with desk.sessions.begin() as s:
        await s.execute(delete(Message).where(Message.ticket_id == 1))
        await s.execute(delete(OutboxMessage).where(OutboxMessage.ticket_id == 1))  # the view and the page sent
        await s.execute(delete(Ticket).where(Ticket.id == 1))
    desk.pause()
    answer = await desk.press(SAM, SAM, page.message_id, to_page(1))
    assert (answer.text, answer.show_alert) == ("There is no ticket #1.", True)
