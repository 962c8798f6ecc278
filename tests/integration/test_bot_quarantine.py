"""/quarantine in Telegram: dispatchers list and open mail kept aside, make a ticket of it or dismiss it."""
from __future__ import annotations

from sqlalchemy import func, select, update

from deskbot.bot.render.callbacks import QuarantinePageV1, QuarantineV1
from deskbot.bot.render.texts import MESSAGE_LIMIT, utf16_len
from deskbot.dispatch import answers
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.dispatch.tickets import Refused
from deskbot.mailbox.inbound import Fetched
from deskbot.mailbox.parse import parse_mail
from deskbot.storage.models import QuarantineEvent, QuarantineItem, Staff, Ticket
from harness.mails import make_mail
from harness.bot_desk import CONFIG, DAN, DINA, DISPATCHERS, SAM, START, STRANGER, staff_id

NO_SENDER = make_mail("Help <me> & now", sender="Anna Petrova", body="Please <b>call</b> me & soon\n")
AUTO = make_mail("Out of office", headers={"Auto-Submitted": "auto-replied"})
TICKET, DISMISS = QuarantineV1(item=1, action="ticket").pack(), QuarantineV1(item=1, action="dismiss").pack()


async def keep(desk, *raws: bytes) -> None:
    ingest = Ingest(desk.sessions, FrozenClock(START), MailboxPlace("support@imap.test", "INBOX"),
                    own_addresses=CONFIG.own_addresses, free_mail_domains=set())
    await ingest.store(7, [Fetched(uid, raw, parse_mail(raw)) for uid, raw in enumerate(raws, 1)], len(raws))


async def opened(desk, who: int = DINA, item: int = 1, chat: int = DISPATCHERS):
    return await desk.reply_to(who, f"/quarantine_{item}", chat=chat, contains="kept aside")


async def test_only_dispatchers_see_mail_kept_aside(desk):
    await keep(desk, NO_SENDER)
    for command in ("/quarantine", "/quarantine_1"):
        refused = await desk.reply_to(SAM, command, contains="dispatcher")
        assert refused.text == "Only a dispatcher can see and decide on mail kept aside."
        assert (await desk.reply_to(STRANGER, command, contains="staff")).text == "You are not on the staff list."


async def test_the_list_shows_open_items_newest_first_and_an_item_opens_escaped(desk):
    await keep(desk, NO_SENDER, AUTO)
    listed = await desk.reply_to(DINA, "/quarantine", chat=DISPATCHERS, contains="kept aside")
    assert listed.text.splitlines() == [
        "📥 2 mails are kept aside (newest first; open one to decide)",
        "/quarantine_2 🤖 Out of office · Anna Petrova <anna@clie…",
        "/quarantine_1 Help <me> & now · Anna Petrova"]
    item = await opened(desk)
    assert item.text.splitlines()[:4] == [
        "📥 Mail kept aside · /quarantine_1", "From: Anna Petrova", "Subject: Help <me> & now",
        "Why: the sender's address could not be read, so nobody can be answered."]
    assert "Please <b>call</b> me & soon" in item.text  # shown as text: the fake parsed the HTML we sent
    assert [b["text"] for b in item.buttons()] == ["Make a ticket", "Dismiss"] and item.button_data() == [TICKET, DISMISS]
    missing = await desk.reply_to(DINA, "/quarantine_9", chat=DISPATCHERS, contains="9")
    assert missing.text == "There is no mail 9 kept aside."


async def test_make_a_ticket_opens_one_without_a_customer_and_it_cannot_be_answered(desk):
    await keep(desk, NO_SENDER)
    item = await opened(desk)
    answer = await desk.press(DINA, DISPATCHERS, item.message_id, TICKET)
    assert (answer.text, answer.show_alert) == ("Ticket #1 is made; its card follows.", False)
    decided = await desk.until(lambda: (m := desk.fake.message(DISPATCHERS, item.message_id)).history and m,
                               "the item redrawn")
    assert decided.text.endswith("✅ Made ticket #1 by Dina Dispatcher at 02.03.2026 12:00.")
    assert decided.button_data() == []
    ticket = await desk.ticket(1)
    assert (ticket.status, ticket.customer_id, ticket.subject, ticket.announced_at) == ("new", None, "Help <me> & now",
                                                                                        None)
    await desk.card(1)  # queued as the announcer does
    card = await desk.fake.wait_for_bot_message(DISPATCHERS, text_contains="no reply address")
    assert card.text.startswith("#1 Help <me> & now\n")
    assert "From: no reply address (the sender could not be read)" in card.text and "Please <b>call</b>" in card.text
    async with desk.sessions.begin() as s:
        await s.execute(update(Ticket).values(status="assigned", assignee_id=staff_id(SAM)))
        sam = await s.get(Staff, staff_id(SAM))
        try:
            await answers.answer(s, 1, sam, "We will call you", CONFIG, START, team="Support")
            raise AssertionError("an answer without an address was queued")
        except Refused as refused:
            assert refused.key == "answer-no-address"


async def test_dismiss_then_a_second_tap_elsewhere_is_told_and_redrawn(desk):
    await keep(desk, NO_SENDER)
    first, second = await opened(desk), await opened(desk, DAN)
    answer = await desk.press(DINA, DISPATCHERS, first.message_id, DISMISS)
    assert answer.text == "Dismissed."
    desk.pause()
    late = await desk.press(DAN, DISPATCHERS, second.message_id, TICKET)
    assert (late.text, late.show_alert) == ("Mail 1 was already dismissed by Dina Dispatcher.", True)
    redrawn = await desk.until(lambda: (m := desk.fake.message(DISPATCHERS, second.message_id)).history and m,
                               "the second message redrawn")
    assert redrawn.text.endswith("🗑 Dismissed by Dina Dispatcher at 02.03.2026 12:00.") and redrawn.button_data() == []
    async with desk.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Ticket)) == 0
        events = (await s.execute(select(QuarantineEvent.kind, QuarantineEvent.staff_id))).all()
    assert events == [("dismissed", staff_id(DINA))]
    again = await desk.reply_to(DINA, "/quarantine", chat=DISPATCHERS, contains="kept aside")
    assert again.text == "No mail is kept aside."


async def test_a_tap_rereads_the_person(desk):
    await keep(desk, NO_SENDER)
    item = await opened(desk)
    async with desk.sessions.begin() as s:  # Dina is no longer a dispatcher
        await s.execute(update(Staff).where(Staff.id == staff_id(DINA)).values(roles="specialist"))
    refused = await desk.press(DINA, DISPATCHERS, item.message_id, TICKET)
    assert (refused.text, refused.show_alert) == ("Only a dispatcher can see and decide on mail kept aside.", True)
    stranger = await desk.press(STRANGER, DISPATCHERS, item.message_id, DISMISS)
    assert stranger.text == "You are not on the staff list."
    async with desk.sessions() as s:
        assert await s.scalar(select(QuarantineItem.status)) == "open"


async def test_a_long_list_is_paged_within_telegrams_limit(desk):
    await keep(desk, *(make_mail(f"Question {n} " + "x" * 80, sender="Anna") for n in range(1, 46)))
    listed = await desk.reply_to(DINA, "/quarantine", chat=DISPATCHERS, contains="kept aside")
    lines = listed.text.splitlines()
    assert lines[0].startswith("📥 45 mails are kept aside") and lines[1].startswith("/quarantine_45 Question 45")
    assert lines[-1] == "Page 1 of 3" and utf16_len(listed.text) <= MESSAGE_LIMIT
    assert listed.button_data() == [QuarantinePageV1(page=2).pack()]
    desk.pause()
    await desk.press(DINA, DISPATCHERS, listed.message_id, QuarantinePageV1(page=2).pack())
    page = await desk.until(lambda: (m := desk.fake.message(DISPATCHERS, listed.message_id)).history and m, "page 2")
    assert page.text.splitlines()[1].startswith("/quarantine_25 ") and page.text.endswith("Page 2 of 3")
    assert page.button_data() == [QuarantinePageV1(page=3).pack(), QuarantinePageV1(page=1).pack()]
