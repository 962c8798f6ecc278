"""The account page: who is logged in, this session's start and end, and the ways out."""
from harness.web import ANN, BOSS, log_in


async def test_the_account_shows_the_person_and_this_session(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, BOSS)
    page = await browser.page("/account")
    assert BOSS in page and "Bo Ss" in page and "client manager" in page
    # Logged in at 09:00 UTC (12:00 in Moscow); a customer's session lasts the default 14 days.
    assert "2026-11-20 12:00" in page and "2026-12-04 12:00" in page
    assert 'action="/logout/everywhere"' in page and 'href="/finance"' in page


async def test_log_out_everywhere_from_the_account_page(web_desk):
    first, second = await web_desk.browser(), await web_desk.browser()
    for browser in (first, second):
        await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    page = await first.page("/account")
    assert "your own tickets" in page and 'href="/finance"' not in page  # Ann is not named for the money
    out = await first.submit("/account", "/logout/everywhere", {})
    assert out.status == 303
    for browser in (first, second):
        gone = await browser.client.get("/account", allow_redirects=False)
        assert gone.status == 303 and gone.headers["Location"] == "/login"


async def test_the_new_pages_speak_russian(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, BOSS)
    russian = {"Accept-Language": "ru"}
    finance = await browser.page("/finance", headers=russian)
    assert "Договор и часы" in finance and "Сменить тариф" in finance and "Больше часов" in finance
    assert "Где выполнен вход" in await browser.page("/account", headers=russian)
    assert "Отчётов пока не присылали." in await browser.page("/reports", headers=russian)
