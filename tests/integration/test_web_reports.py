"""The cabinet's reports: only those a manager sent, only to the client manager and the reports' recipients."""
from datetime import timedelta

from harness.web import ANN, BOSS, EVE, log_in
from harness.web_contract import PDF, add_report, set_contract


async def test_the_client_manager_sees_sent_reports_newest_first_and_opens_them(web_desk):
    at = web_desk.clock.now() - timedelta(days=10)
    september = await add_report(web_desk.sessions, "acme.example", "2026-09", "sent", at - timedelta(days=30))
    october = await add_report(web_desk.sessions, "acme.example", "2026-10", "sent", at)
    draft = await add_report(web_desk.sessions, "acme.example", "2026-08", "draft", at)
    theirs = await add_report(web_desk.sessions, "other.example", "2026-10", "sent", at)
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, BOSS)
    page = await browser.page("/reports")
    assert page.index("2026-10") < page.index("2026-09") and "2026-08" not in page
    assert f'href="/reports/{october}"' in page and f'href="/reports/{october}?download=1"' in page

    shown = await browser.client.get(f"/reports/{september}")
    assert shown.status == 200 and shown.content_type == "application/pdf" and await shown.read() == PDF
    assert shown.headers["Content-Disposition"].startswith('inline; filename="report-acme.example-2026-09.pdf"')
    saved = await browser.client.get(f"/reports/{september}?download=1")
    assert saved.status == 200 and await saved.read() == PDF
    assert saved.headers["Content-Disposition"].startswith('attachment; filename="report-acme.example-2026-09.pdf"')
    assert saved.headers["X-Content-Type-Options"] == "nosniff"

    for number in (theirs, draft, 999999):  # another organization's, one not sent, none at all
        refused = await browser.client.get(f"/reports/{number}")
        assert refused.status == 404 and refused.content_type == "text/html"
        assert "not yours to see" in await refused.text()


async def test_a_colleague_sees_reports_only_when_they_receive_them(web_desk):
    report = await add_report(web_desk.sessions, "acme.example", "2026-10", "sent", web_desk.clock.now())
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    await browser.page("/reports", status=404)
    assert (await browser.client.get(f"/reports/{report}")).status == 404
    await set_contract(web_desk.sessions, "acme.example", recipients=f"{ANN},cfo@acme.example")
    assert "2026-10" in await browser.page("/reports")
    assert (await browser.client.get(f"/reports/{report}")).status == 200


async def test_another_organization_sees_none_of_them(web_desk):
    report = await add_report(web_desk.sessions, "acme.example", "2026-10", "sent", web_desk.clock.now())
    await set_contract(web_desk.sessions, "other.example", client_manager=EVE)
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, EVE)
    assert "No reports have been sent yet." in await browser.page("/reports")
    assert (await browser.client.get(f"/reports/{report}")).status == 404
    stranger = await web_desk.browser()
    assert (await stranger.client.get(f"/reports/{report}", allow_redirects=False)).headers["Location"] == "/login"
