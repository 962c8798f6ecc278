"""The staff board marks SLA targets close to their due moment or missed, in words (not only colour)."""
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer

from deskbot.dispatch import web_access
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.config import Config
from deskbot.storage.db import session_factory
from deskbot.storage.models import Staff, TicketEvent
from deskbot.web.app import build_app
from harness.bot_desk import DISPATCHERS, DINA, NINA, START, add_ticket, seed, staff_id
from harness.web import KEY, Browser, csrf_of

NOW = START + timedelta(days=2)  # 12:00 in Moscow, Wednesday
CONFIG = Config.model_validate({
    "mailbox": {"host": "imap.test", "username": "support@desk.test"},
    "telegram": {"dispatcher_chat_id": DISPATCHERS, "language": "en"},
    "web": {"listen": "127.0.0.1:8080", "base_url": "http://desk.example"},
    "dispatch": {"timezone": "Europe/Moscow", "nag_every": "5m", "stale_after": ""},
    "sla": {"first_response": "1h", "resolution": "8h"},
})


async def test_warning_and_breached_marks_on_the_board(engine):
    sessions, clock = session_factory(engine), FrozenClock(NOW)
    await seed(sessions)
    await add_ticket(sessions, 1, "Printer on fire")  # two days old, never answered
    await add_ticket(sessions, 2, "Mouse squeaks", created=NOW - timedelta(minutes=50))
    await add_ticket(sessions, 3, "Switch loops", status="in_progress", assignee=NINA, created=NOW - timedelta(hours=3))
    async with sessions.begin() as s:
        s.add(TicketEvent(ticket_id=3, kind="answered", at=NOW - timedelta(hours=2, minutes=50)))
    client = TestClient(TestServer(build_app(CONFIG, sessions, clock, KEY)))
    await client.start_server()
    browser = Browser(client)
    try:
        async with sessions.begin() as s:
            token = await web_access.issue_link(s, await s.get(Staff, staff_id(DINA)), clock.now())
        confirm = await browser.page(f"/staff/sign-in/{token}")
        await client.post(f"/staff/sign-in/{token}", data={"csrf": csrf_of(confirm)}, allow_redirects=False)
        page = await browser.page("/staff")
        first, second, third = (page.split(f'id="ticket-{n}"')[1].split("</li>")[0] for n in (1, 2, 3))
        assert "SLA missed: first response was due 2026-03-02 13:00" in first and "sla-breached" in page
        assert "SLA close: first response due 2026-03-04 12:10" in second
        assert "SLA" not in third  # answered in time; the resolution has 5 hours left
        ru = await browser.page("/staff", headers={"Accept-Language": "ru"})
        assert "SLA нарушен: первый ответ — срок был 2026-03-02 13:00" in ru
    finally:
        await client.close()


async def test_a_ticket_closed_without_its_event_counts_as_closed_then(engine):
    from deskbot.dispatch.sla_watch import ticket_figures
    from deskbot.storage.models import Ticket

    sessions = session_factory(engine)
    await seed(sessions)
    await add_ticket(sessions, 1, "Imported", status="closed", created=NOW - timedelta(minutes=30))
    async with sessions.begin() as s:
        ticket = await s.get(Ticket, 1)
        ticket.closed_at = NOW - timedelta(minutes=20)
        found = await ticket_figures(s, CONFIG, [ticket], NOW + timedelta(days=1))
    assert {name: str(one.state) for name, one in found[1].items()} == {"first_response": "met", "resolution": "met"}
