"""The cabinet shows a customer what is theirs, and nothing else: scoped in dispatch/visibility.py."""
from datetime import datetime, timedelta, timezone

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from deskbot.storage.models import Ticket
from deskbot.web.app import build_app
from harness.web import ANN, BOSS, EVE, KEY, Browser, log_in, web_config


async def test_a_customer_sees_their_tickets_newest_first(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    page = await browser.page("/tickets")
    assert page.index("VPN is down") < page.index("Printer on fire")  # newest first
    assert "Budget for laptops" not in page  # a colleague's ticket: not Ann's to see
    assert "&lt;script&gt;" not in page and "<script" not in page
    assert "2 tickets" in page and "1 h 30 min" in page and "Ann Lee" in page
    assert "2026-11-20 14:00" in page  # opened, in the desk's zone (Moscow)


async def test_filters_by_status_number_and_text(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    closed = await browser.page("/tickets?status=closed")
    assert "VPN is down" in closed and "Printer on fire" not in closed
    by_number = await browser.page(f"/tickets?q=%23{web_desk.seeded.ann_open}")
    assert "Printer on fire" in by_number and "VPN is down" not in by_number
    by_text = await browser.page("/tickets?q=vpn")
    assert "VPN is down" in by_text and "Printer on fire" not in by_text and "1 ticket" in by_text
    assert "VPN is down" in await browser.page("/tickets?q=vpn&page=7")  # past the last page: the last one
    assert "No tickets match" in await browser.page("/tickets?q=100%25_")  # LIKE wildcards are literal
    assert "No tickets match" in await browser.page(f"/tickets?q={web_desk.seeded.eve}")  # not Ann's
    assert "Printer on fire" in await browser.page("/tickets?status=bogus&page=x")  # bad input: all, page 1


async def test_pages_of_tickets(web_desk):
    async with web_desk.sessions.begin() as s:
        ann = await s.scalar(Ticket.__table__.select().with_only_columns(Ticket.customer_id)
                             .where(Ticket.id == web_desk.seeded.ann_open))
        now = web_desk.clock.now()
        s.add_all([Ticket(subject=f"Extra {n:02d}", status="new", customer_id=ann, created_at=now, updated_at=now)
                   for n in range(30)])
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    first = await browser.page("/tickets")
    assert "Extra 29" in first and "Extra 05" in first and "Extra 04" not in first and "Page 1 of 2" in first
    second = await browser.page("/tickets?page=2")
    assert "Extra 04" in second and "Printer on fire" in second and "Page 2 of 2" in second
    assert "Page 2 of 2" in await browser.page("/tickets?page=99")


async def test_a_ticket_shows_the_conversation_without_internal_notes(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    page = await browser.page(f"/tickets/{web_desk.seeded.ann_open}")
    assert "The printer smokes." in page and "We are on our way." in page
    assert "INTERNAL" not in page


async def test_another_organizations_ticket_is_not_found(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    for number in (web_desk.seeded.eve, web_desk.seeded.boss, 999999):
        page = await browser.page(f"/tickets/{number}", status=404)
        assert "not yours to see" in page and "alert" not in page and "Budget" not in page
    assert "not yours to see" in await browser.page("/no/such/page", status=404)


async def test_the_client_manager_sees_the_whole_organization(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, BOSS)
    page = await browser.page("/tickets")
    for subject in ("Printer on fire", "VPN is down", "Budget for laptops"):
        assert subject in page
    assert "client manager" in page and "alert(1)" not in page
    assert "We are on our way." in await browser.page(f"/tickets/{web_desk.seeded.ann_open}")
    await browser.page(f"/tickets/{web_desk.seeded.eve}", status=404)


async def test_the_client_manager_keeps_their_own_tickets_from_outside_the_organization(web_desk):
    """Tickets Boss opened before joining Acme (no organization, or another one) stay in their list and count."""
    async with web_desk.sessions.begin() as s:
        boss = await s.scalar(Ticket.__table__.select().with_only_columns(Ticket.customer_id)
                              .where(Ticket.id == web_desk.seeded.boss))
        other = await s.scalar(Ticket.__table__.select().with_only_columns(Ticket.organization_id)
                               .where(Ticket.id == web_desk.seeded.eve))
        now = web_desk.clock.now()
        s.add_all([Ticket(subject=subject, status="closed", customer_id=boss, organization_id=org, created_at=now,
                          updated_at=now)
                   for subject, org in (("Old job, no company", None), ("Old job at Other", other))])
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, BOSS)
    page = await browser.page("/tickets")
    assert "Old job, no company" in page and "Old job at Other" in page and "5 tickets" in page
    closed = await browser.page("/tickets?status=closed&q=old")
    assert "Old job at Other" in closed and "2 tickets" in closed and "VPN is down" not in closed
    assert "alert(1)" not in await browser.page("/tickets?q=alert")  # Other's own tickets stay Other's


async def test_a_script_in_a_subject_or_a_name_is_inert(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, EVE)
    for page in (await browser.page("/tickets"), await browser.page(f"/tickets/{web_desk.seeded.eve}")):
        assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<b>X</b>" not in page and "Eve &lt;b&gt;X&lt;/b&gt;" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page


async def test_a_customer_cannot_reach_staff_pages(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    page = await browser.page("/staff", status=404)
    assert "Dina" not in page
    stranger = await web_desk.browser()
    assert "/web" in await stranger.page("/staff", status=401)


async def test_a_ticket_moved_to_another_customer_disappears(web_desk):
    """The scope is read on every request, not remembered in the session."""
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    await browser.page(f"/tickets/{web_desk.seeded.ann_open}")
    async with web_desk.sessions.begin() as s:
        await s.execute(update(Ticket).where(Ticket.id == web_desk.seeded.ann_open).values(customer_id=None))
    web_desk.clock.advance(timedelta(seconds=1))
    await browser.page(f"/tickets/{web_desk.seeded.ann_open}", status=404)


async def test_pages_speak_the_browsers_language(web_desk):
    browser = await web_desk.browser()
    russian = await browser.page("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert 'lang="ru"' in russian and "Прислать код" in russian
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    page = await browser.page("/tickets?status=closed", headers={"Accept-Language": "ru"})
    assert "1 заявка" in page and "закрыта" in page.lower() and "Выйти на всех устройствах" in page
    assert "Send me a code" in await browser.page("/login", headers={"Accept-Language": "de, en;q=0.5"})


async def test_filters_by_the_period_in_the_desks_calendar(web_desk):
    """Now is 2026-11-20 in Moscow; each ticket's opening is given in UTC."""
    opened = {"Late October night": datetime(2026, 10, 31, 21, 30, tzinfo=timezone.utc),  # Nov 1st in Moscow
              "Mid October": datetime(2026, 10, 15, 12, 0, tzinfo=timezone.utc),
              "August heat": datetime(2026, 8, 20, 12, 0, tzinfo=timezone.utc),
              "New Year night": datetime(2025, 12, 31, 22, 0, tzinfo=timezone.utc),  # 2026 in Moscow
              "Old December": datetime(2025, 12, 15, 12, 0, tzinfo=timezone.utc)}
    async with web_desk.sessions.begin() as s:
        ann = await s.scalar(select(Ticket.customer_id).where(Ticket.id == web_desk.seeded.ann_open))
        s.add_all([Ticket(subject=subject, status="new", customer_id=ann, created_at=at, updated_at=at)
                   for subject, at in opened.items()])
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)

    async def shown(query: str) -> set[str]:
        page = await browser.page(f"/tickets?{query}")
        return {subject for subject in [*opened, "Printer on fire"] if subject in page}
    assert await shown("period=this-month") == {"Late October night", "Printer on fire"}
    assert await shown("period=last-month") == {"Mid October"}
    assert await shown("period=last-3-months") == {"Late October night", "Printer on fire", "Mid October"}
    assert await shown("period=this-year") == set(opened) - {"Old December"} | {"Printer on fire"}
    assert await shown("from=2025-12-01&to=2025-12-31") == {"Old December"}  # both days included
    assert await shown("from=2026-08-20&to=2026-08-20&period=this-month") == {"August heat"}  # dates win
    assert await shown("to=2026-01-01") == {"New Year night", "Old December"}
    assert await shown("period=bogus&from=2026-13-01") == set(opened) | {"Printer on fire"}  # bad: any time
    page = await browser.page("/tickets?period=last-month")
    assert '<option value="last-month" selected>' in page


async def test_paging_links_carry_the_filters(web_desk):
    async with web_desk.sessions.begin() as s:
        ann = await s.scalar(select(Ticket.customer_id).where(Ticket.id == web_desk.seeded.ann_open))
        now = web_desk.clock.now()
        s.add_all([Ticket(subject=f"Extra {n:02d}", status="new", customer_id=ann, created_at=now, updated_at=now)
                   for n in range(30)])
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    page = await browser.page("/tickets?status=new&period=this-month&from=2026-11-01&q=extra")
    assert 'href="/tickets?status=new&amp;period=this-month&amp;from=2026-11-01&amp;q=extra&amp;page=2"' in page
    assert 'value="2026-11-01"' in page and "30 tickets" in page


async def test_the_log_in_page_points_to_the_request_form_when_it_is_public(web_desk):
    async def login_page(form: str, intake, **headers: str) -> str:
        config = web_config()
        config = config.model_copy(update={"web": config.web.model_copy(update={"form": form})})
        client = TestClient(TestServer(build_app(config, web_desk.sessions, web_desk.clock, KEY, intake=intake)))
        await client.start_server()
        try:
            return await Browser(client).page("/login", headers=headers)
        finally:
            await client.close()
    assert 'href="/new"' in await login_page("public", object())  # any intake: the form is served
    assert "Оставьте заявку без входа" in await login_page("public", object(), **{"Accept-Language": "ru"})
    assert 'href="/new"' not in await login_page("customers", object())  # they log in first anyway
    assert 'href="/new"' not in await login_page("off", None)


async def test_a_customer_sees_the_priority_but_not_the_desks_tags(web_desk):
    async with web_desk.sessions.begin() as s:
        await s.execute(update(Ticket).where(Ticket.id == web_desk.seeded.ann_open)
                        .values(priority="urgent", tags="vip,angry-customer"))
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    listed = await browser.page("/tickets")
    assert '<span class="priority priority-urgent">urgent</span>' in listed
    assert listed.count("priority-") == 1  # a normal priority is not worth a mark
    page = await browser.page(f"/tickets/{web_desk.seeded.ann_open}")
    assert "Priority</dt><dd>" in page and "urgent" in page
    assert "vip" not in listed + page and "angry" not in listed + page
    ru = await browser.page(f"/tickets/{web_desk.seeded.ann_open}", headers={"Accept-Language": "ru"})
    assert "Приоритет" in ru and "срочный" in ru
