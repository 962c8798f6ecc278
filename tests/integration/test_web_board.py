"""The staff board at /staff: columns by state, filters, stale marks, and assignment as the buttons do it."""
import re
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from deskbot.app.web import board_cards
from deskbot.bot.app import build_dispatcher
from deskbot.bot.delivery import TelegramSender
from deskbot.demo.botapi import FakeTelegram
from deskbot.dispatch import web_access
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.storage.db import session_factory
from deskbot.storage.models import OutboxMessage, Staff, Ticket, TicketEvent
from deskbot.web.app import build_app
from harness.bot_desk import (
    DAN, DINA, DISPATCHERS, EN, NETWORK, NINA, SAM, START, SUPPORT, PacedClock, add_ticket, queue_card, running, seed,
    staff_id,
)
from harness.telegram import aiogram_bot
from harness.web import ANN, KEY, Browser, csrf_of, log_in, seed as seed_customers
from harness.web import START as WEB_START

NOW = START + timedelta(days=2)  # 12:00 in Moscow, two days after the tickets came in


def _config() -> Config:
    return Config.model_validate({
        "mailbox": {"host": "imap.test", "username": "support@desk.test"},
        "telegram": {"dispatcher_chat_id": DISPATCHERS, "language": "en"},
        "web": {"listen": "127.0.0.1:8080", "base_url": "http://desk.example"},
        "dispatch": {"timezone": "Europe/Moscow", "nag_every": "5m", "stale_after": "1d"},
    })


async def _open(config, sessions, clock, **faces) -> Browser:
    client = TestClient(TestServer(build_app(config, sessions, clock, KEY, **faces)))
    await client.start_server()
    return Browser(client)


async def _sign_in(browser: Browser, sessions, clock, telegram_id: int) -> None:
    async with sessions.begin() as s:
        token = await web_access.issue_link(s, await s.get(Staff, staff_id(telegram_id)), clock.now())
    confirm = await browser.page(f"/staff/sign-in/{token}")
    signed = await browser.client.post(f"/staff/sign-in/{token}", data={"csrf": csrf_of(confirm)},
                                       allow_redirects=False)
    assert signed.status == 303


def _column(html: str, key: str) -> str:
    found = re.search(rf'<section class="column" aria-labelledby="col-{key}">(.*?)</section>', html, re.S)
    assert found, key
    return found.group(1)


async def _desk(sessions) -> None:
    """Tickets of every state: 1 new and long unassigned, 2 new just now; 3 assigned to Sam (support), untouched
    two days; 4 in work with Nina (network); 5 waiting for the customer; 6 closed today, 7 closed yesterday."""
    await seed(sessions)
    await add_ticket(sessions, 1, "Printer on fire")
    await add_ticket(sessions, 2, "Mouse <b>squeaks</b>", created=NOW - timedelta(minutes=1))
    await add_ticket(sessions, 3, "VPN is down", status="assigned", assignee=SAM)
    await add_ticket(sessions, 4, "Switch loops", status="in_progress", assignee=NINA,
                     created=NOW - timedelta(hours=3))
    await add_ticket(sessions, 5, "Need a password", status="waiting", assignee=SAM)
    await add_ticket(sessions, 6, "Old laptop", status="closed", assignee=SAM)
    await add_ticket(sessions, 7, "Older laptop", status="closed", assignee=SAM)
    async with sessions.begin() as s:
        (await s.get(Ticket, 3)).department_id = SUPPORT
        (await s.get(Ticket, 3)).priority, (await s.get(Ticket, 3)).tags = "urgent", "vip,printer"
        (await s.get(Ticket, 4)).department_id = NETWORK
        (await s.get(Ticket, 6)).closed_at = NOW - timedelta(hours=2)  # 10:00 in Moscow, today
        (await s.get(Ticket, 7)).closed_at = NOW - timedelta(hours=13)  # 23:00 in Moscow, yesterday


async def test_the_board_shows_tickets_by_state_with_age_and_stale_marks(engine):
    sessions, clock = session_factory(engine), FrozenClock(NOW)
    await _desk(sessions)
    browser = await _open(_config(), sessions, clock)
    try:
        await _sign_in(browser, sessions, clock, SAM)
        page = await browser.page("/staff")
        assert "Signed in as Sam Specialist" in page and '<script src="/static/board.js" defer>' in page
        new, assigned = _column(page, "new"), _column(page, "assigned")
        assert "#1</span> Printer on fire" in new and "Example Ltd" in new and "Age</dt><dd>2 d" in new
        assert "Stale: unassigned for 2 d" in new and new.count("Stale") == 1
        assert "Mouse &lt;b&gt;squeaks&lt;/b&gt;" in new and "<b>squeaks" not in page
        assert "VPN is down" in assigned and "Sam Specialist" in assigned and "Stale: untouched for 2 d" in assigned
        assert "Department</dt><dd>Support" in assigned
        assert '<span class="priority priority-urgent">urgent</span>' in assigned and "#vip</span> " in assigned
        assert "priority-" not in new and "#vip" not in new
        assert "Switch loops" in _column(page, "in_progress") and "Stale" not in _column(page, "in_progress")
        assert "Need a password" in _column(page, "waiting") and "Stale" not in _column(page, "waiting")
        closed = _column(page, "closed_today")
        assert "Old laptop" in closed and "Closed at</dt><dd>10:00" in closed and "Older laptop" not in closed
        assert "/staff/assign" not in page  # Sam is no dispatcher: no forms to assign with
        assert "Refresh" in page

        network = await browser.page(f"/staff?department={NETWORK}")
        assert "Switch loops" in network and "VPN is down" not in network and "Need a password" not in network
        assert "Printer on fire" in network  # new tickets are nobody's yet: shown whatever the filter
        sams = await browser.page(f"/staff?person={staff_id(SAM)}")
        assert "VPN is down" in sams and "Old laptop" in sams and "Switch loops" not in sams
        support_sam = await browser.page(f"/staff?department={SUPPORT}&person={staff_id(SAM)}&junk=1")
        assert "VPN is down" in support_sam and "Switch loops" not in support_sam
        fragment = await browser.page(f"/staff/columns?department={NETWORK}")
        assert fragment.startswith('<div id="columns"') and "Switch loops" in fragment and "VPN" not in fragment
        assert f'data-source="/staff/columns?department={NETWORK}"' in fragment

        ru = await browser.page("/staff", headers={"Accept-Language": "ru"})
        assert "Закрыты сегодня" in ru and "Залежалась: не назначена 2 д" in ru
    finally:
        await browser.client.close()


async def test_a_dispatcher_assigns_on_the_board_and_the_telegram_cards_follow(engine):
    sessions, clock, config = session_factory(engine), PacedClock(NOW), _config()
    await _desk(sessions)
    async with FakeTelegram(clock=clock.timestamp) as fake, aiogram_bot(fake) as bot:
        for user, name in ((DINA, "Dina"), (DAN, "Dan"), (SAM, "Sam")):
            fake.add_user(user, name)
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DINA, DAN])
        sender = TelegramSender(bot, sessions, clock)
        async with running(build_dispatcher(config, sessions, clock, sender, EN), bot, sender, fake):
            await queue_card(sessions, 1, clock.now())
            sender.wake()
            card = await fake.wait_for_bot_message(DISPATCHERS, text_contains="#1 ")
            browser = await _open(config, sessions, clock, board_assigned=board_cards(config, EN),
                                  wake_telegram=sender.wake)
            try:
                await _sign_in(browser, sessions, clock, DINA)
                page = await browser.page("/staff")
                assert 'action="/staff/assign"' in page and '<optgroup label="Support">' in page
                assert f'value="{SUPPORT}:{staff_id(SAM)}">Sam Specialist<' in page
                done = await browser.submit(f"/staff?department={SUPPORT}", "/staff/assign", {
                    "ticket": "1", "to": f"{SUPPORT}:{staff_id(SAM)}", "department": str(SUPPORT)})
                assert done.status == 303 and done.headers["Location"] == f"/staff?department={SUPPORT}"
                after = await browser.page(done.headers["Location"])
                assert "Ticket #1 is assigned to Sam Specialist" in after and 'role="status"' in after
                assert "Printer on fire" in _column(after, "assigned")
                assert "is assigned to" not in await browser.page("/staff")  # the message is shown once

                private = await fake.wait_for_bot_message(SAM, text_contains="assigned you a ticket")
                assert "Printer on fire" in private.text
                await fake.wait_for(lambda: "Assigned by Dina Dispatcher to Sam Specialist" in
                                    fake.message(DISPATCHERS, card.message_id).text, what="the card redrawn")
                assert list(fake.message(DISPATCHERS, card.message_id).buttons()) == []

                again = await browser.submit("/staff", "/staff/assign", {"ticket": "1", "to": f"1:{staff_id(DAN)}"})
                refused = await browser.page(again.headers["Location"])
                assert "Already assigned by Dina Dispatcher to Sam Specialist." in refused and 'role="alert"' in refused
                nobody = await browser.submit("/staff", "/staff/assign", {"ticket": "2", "to": ""})
                assert "Choose whom to assign" in await browser.page(nobody.headers["Location"])
            finally:
                await browser.client.close()
    async with sessions() as s:
        ticket = await s.get(Ticket, 1)
        events = (await s.execute(select(TicketEvent.kind, TicketEvent.staff_id, TicketEvent.detail)
                                  .where(TicketEvent.ticket_id == 1))).all()
        to_sam = await s.scalar(select(OutboxMessage.purpose).where(OutboxMessage.chat_id == SAM))
    assert (ticket.status, ticket.assignee_id, ticket.assigned_by_id, ticket.department_id) == \
        ("assigned", staff_id(SAM), staff_id(DINA), SUPPORT)
    assert events == [("assigned", staff_id(DINA), "to Sam Specialist")]  # what the buttons record
    assert to_sam == "card"


async def test_who_may_see_and_assign(engine):
    sessions, clock = session_factory(engine), FrozenClock(NOW)
    await _desk(sessions)
    config = _config()
    sam, anonymous = await _open(config, sessions, clock), await _open(config, sessions, clock)
    try:
        await _sign_in(sam, sessions, clock, SAM)
        refused = await sam.submit("/staff", "/staff/assign", {"ticket": "1", "to": f"{SUPPORT}:{staff_id(SAM)}"})
        assert "Only a dispatcher can assign tickets." in await sam.page(refused.headers["Location"])
        no_token = await sam.client.post("/staff/assign", data={"ticket": "1", "to": f"{SUPPORT}:{staff_id(SAM)}"},
                                         allow_redirects=False)
        assert no_token.status == 403
        await anonymous.page("/staff", status=401)
        assert (await anonymous.client.get("/staff/columns")).status == 401
    finally:
        await sam.client.close()
        await anonymous.client.close()
    async with sessions() as s:
        assert (await s.get(Ticket, 1)).status == "new"


async def test_a_customer_learns_nothing_of_the_board(engine):
    sessions, clock = session_factory(engine), FrozenClock(WEB_START)
    seeded = await seed_customers(sessions)
    customer = await _open(_config(), sessions, clock)
    try:
        await log_in(customer, sessions, clock, ANN)
        await customer.page("/staff", status=404)
        assert (await customer.client.get("/staff/columns")).status == 404
        posted = await customer.submit("/tickets", "/staff/assign", {"ticket": str(seeded.boss), "to": "1:1"})
        assert posted.status == 404
    finally:
        await customer.client.close()
    async with sessions() as s:
        assert (await s.get(Ticket, seeded.boss)).status == "new"
