"""Sessions kept on the server: each browser a row in web_sessions, listed on the account pages, ended one
by one, all at once, or by the sweep once they can no longer let anyone in."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from deskbot.dispatch import web_access
from deskbot.storage.models import Customer, Staff, WebLoginCode, WebSession, WebSignInLink
from harness.web import ANN, BOSS, csrf_of, fresh_code, log_in

PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Mobile Safari/537.36")
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
_END = re.compile(r'action="/sessions/(\d+)/end"')


async def _log_in_with(browser, web_desk, email: str, agent: str) -> None:
    code = await fresh_code(web_desk.sessions, web_desk.clock, email)
    response = await browser.submit(f"/login/code?email={email}", "/login/code", {"email": email, "code": code},
                                    headers={"User-Agent": agent})
    assert response.status == 303 and response.headers["Location"] == "/tickets"


def _cookie(browser) -> str:
    return next(c.value for c in browser.client.session.cookie_jar if c.key == "deskbot_session")


async def _logged_in(web_desk, cookie: str) -> bool:
    """Whether a browser holding only this cookie is let in."""
    stranger = await web_desk.browser()
    response = await stranger.client.get("/account", headers={"Cookie": f"deskbot_session={cookie}"},
                                         allow_redirects=False)
    return response.status == 200


async def test_the_account_lists_only_the_persons_own_sessions(web_desk):
    phone, laptop, boss = await web_desk.browser(), await web_desk.browser(), await web_desk.browser()
    await _log_in_with(phone, web_desk, ANN, PHONE)
    await _log_in_with(laptop, web_desk, ANN, LAPTOP)
    await _log_in_with(boss, web_desk, BOSS, LAPTOP)
    page = await phone.page("/account", headers={"User-Agent": PHONE})
    assert "Chrome on Android" in page and "Firefox on Windows" in page
    assert page.count("(this browser)") == 1 and page.index("Chrome on Android") < page.index("(this browser)")
    assert "127.0.0.1" in page and "2026-11-20 12:00" in page and "2026-12-04 12:00" in page  # started, ends
    async with web_desk.sessions() as s:
        rows = (await s.execute(select(WebSession.id, Customer.email)
                                .join(Customer, Customer.id == WebSession.person_id))).all()
    listed = {int(n) for n in _END.findall(page)}
    assert listed == {n for n, email in rows if email == ANN} and len(listed) == 2  # none of Boss's
    russian = await phone.page("/account", headers={"Accept-Language": "ru", "User-Agent": PHONE})
    assert "Chrome, Android" in russian and "(этот браузер)" in russian and "Завершить" in russian


async def test_ending_a_session_logs_that_browser_out(web_desk):
    phone, laptop = await web_desk.browser(), await web_desk.browser()
    await _log_in_with(phone, web_desk, ANN, PHONE)
    await _log_in_with(laptop, web_desk, ANN, LAPTOP)
    laptop_cookie = _cookie(laptop)
    page = await phone.page("/account")
    async with web_desk.sessions() as s:
        laptop_id = await s.scalar(select(WebSession.id).where(WebSession.user_agent == LAPTOP))
    assert f"/sessions/{laptop_id}/end" in page
    ended = await phone.client.post(f"/sessions/{laptop_id}/end", data={"csrf": csrf_of(page)},
                                    allow_redirects=False)
    assert ended.status == 303 and ended.headers["Location"] == "/account"
    gone = await laptop.client.get("/account", allow_redirects=False)
    assert gone.status == 303 and gone.headers["Location"] == "/login"
    assert not await _logged_in(web_desk, laptop_cookie)  # the ended session's cookie, replayed: refused
    assert await phone.page("/account")  # the phone stays in
    again = await phone.client.post(f"/sessions/{laptop_id}/end", data={"csrf": csrf_of(page)})
    assert again.status == 404  # not live any more: nothing to end


async def test_another_persons_session_cannot_be_ended(web_desk):
    ann, boss = await web_desk.browser(), await web_desk.browser()
    await log_in(ann, web_desk.sessions, web_desk.clock, ANN)
    await log_in(boss, web_desk.sessions, web_desk.clock, BOSS)
    async with web_desk.sessions() as s:
        boss_id = await s.scalar(select(WebSession.id).order_by(WebSession.id.desc()).limit(1))
    page = await ann.page("/account")
    refused = await ann.client.post(f"/sessions/{boss_id}/end", data={"csrf": csrf_of(page)})
    assert refused.status == 404 and "Not found" in await refused.text()
    assert (await boss.client.get("/account", allow_redirects=False)).status == 200
    no_csrf = await ann.client.post(f"/sessions/{boss_id}/end", data={})
    assert no_csrf.status == 403


async def test_ending_this_session_or_logging_out_refuses_its_cookie(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    cookie = _cookie(browser)
    assert await _logged_in(web_desk, cookie)
    out = await browser.submit("/account", "/logout", {})
    assert out.status == 303
    assert not await _logged_in(web_desk, cookie)  # a copy of the cookie kept from before: no way back in
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    page = await browser.page("/account")
    [mine] = _END.findall(page)
    ended = await browser.client.post(f"/sessions/{mine}/end", data={"csrf": csrf_of(page)}, allow_redirects=False)
    assert ended.status == 303 and ended.headers["Location"] == "/"
    assert (await browser.client.get("/account", allow_redirects=False)).headers["Location"] == "/login"


async def test_log_out_everywhere_ends_every_row(web_desk):
    first, second, boss = await web_desk.browser(), await web_desk.browser(), await web_desk.browser()
    for browser, email in ((first, ANN), (second, ANN), (boss, BOSS)):
        await log_in(browser, web_desk.sessions, web_desk.clock, email)
    cookie = _cookie(second)
    assert (await first.submit("/account", "/logout/everywhere", {})).status == 303
    async with web_desk.sessions() as s:
        live = await s.scalar(select(func.count()).select_from(WebSession).where(WebSession.ended_at.is_(None)))
    assert live == 1  # Boss's
    assert not await _logged_in(web_desk, cookie)
    assert (await boss.client.get("/account", allow_redirects=False)).status == 200


async def test_last_seen_is_written_at_most_every_few_minutes_and_expiry_ends(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    start = web_desk.clock.now()

    async def seen():
        async with web_desk.sessions() as s:
            return await s.scalar(select(WebSession.last_seen_at))
    web_desk.clock.advance(timedelta(minutes=4))
    await browser.page("/tickets")
    assert await seen() == start
    web_desk.clock.advance(timedelta(minutes=2))
    await browser.page("/tickets")
    assert await seen() == start + timedelta(minutes=6)
    web_desk.clock.advance(timedelta(days=14))
    late = await browser.client.get("/tickets", allow_redirects=False)
    assert late.status == 303 and late.headers["Location"] == "/login"


async def test_staff_see_and_end_their_sessions_at_staff_account(web_desk):
    async with web_desk.sessions.begin() as s:
        dina = await s.get(Staff, web_desk.seeded.dina)
        tokens = [await web_access.issue_link(s, dina, web_desk.clock.now()) for _ in range(2)]
    desk, home = await web_desk.browser(), await web_desk.browser()
    for browser, token, agent in ((desk, tokens[0], LAPTOP), (home, tokens[1], PHONE)):
        response = await browser.submit(f"/staff/sign-in/{token}", f"/staff/sign-in/{token}", {},
                                        headers={"User-Agent": agent})
        assert response.status == 303 and response.headers["Location"] == "/staff"
    page = await desk.page("/staff/account")
    assert "Dina" in page and "dispatcher" in page and "Firefox on Windows" in page and "Chrome on Android" in page
    async with web_desk.sessions() as s:
        phone = await s.scalar(select(WebSession.id).where(WebSession.user_agent == PHONE))
    ended = await desk.client.post(f"/sessions/{phone}/end", data={"csrf": csrf_of(page)}, allow_redirects=False)
    assert ended.status == 303 and ended.headers["Location"] == "/staff/account"
    assert (await home.client.get("/staff/account")).status == 401
    customer = await web_desk.browser()
    await log_in(customer, web_desk.sessions, web_desk.clock, ANN)
    assert (await customer.client.get("/staff/account")).status == 404
    mine = _END.findall(await desk.page("/staff/account"))
    token = csrf_of(await customer.page("/account"))
    refused = await customer.client.post(f"/sessions/{mine[0]}/end", data={"csrf": token})
    assert refused.status == 404  # a customer ending a staff member's session: the same id, another person


async def test_the_sweep_deletes_what_can_no_longer_let_anyone_in(web_desk):
    clock, sessions = web_desk.clock, web_desk.sessions
    browser, gone = await web_desk.browser(), await web_desk.browser()
    await log_in(browser, sessions, clock, ANN)
    await log_in(gone, sessions, clock, BOSS)
    assert (await gone.submit("/account", "/logout", {})).status == 303
    async with sessions.begin() as s:
        dina = await s.get(Staff, web_desk.seeded.dina)
        await web_access.issue_link(s, dina, clock.now())
        used = await web_access.issue_link(s, dina, clock.now())
        await web_access.redeem_link(s, used, clock.now())

    async def counts():
        async with sessions() as s:
            return [await s.scalar(select(func.count()).select_from(model))
                    for model in (WebLoginCode, WebSignInLink, WebSession)]
    assert await counts() == [2, 2, 2]
    async with sessions.begin() as s:
        swept = await web_access.sweep(s, clock.now())
    assert (swept.codes, swept.links, swept.sessions) == (0, 1, 1)  # the used link, the logged-out session
    clock.advance(timedelta(minutes=24))  # the link is past its time; codes still count for the rate limits
    async with sessions.begin() as s:
        swept = await web_access.sweep(s, clock.now())
    assert (swept.codes, swept.links, swept.sessions) == (0, 1, 0)
    clock.advance(timedelta(minutes=2))
    async with sessions.begin() as s:
        swept = await web_access.sweep(s, clock.now())
    assert (swept.codes, swept.links, swept.sessions) == (2, 0, 0)
    assert await browser.page("/account")  # a live session stays
    clock.advance(timedelta(days=14))
    async with sessions.begin() as s:
        assert (await web_access.sweep(s, clock.now())).sessions == 1
    assert await counts() == [0, 0, 0]
