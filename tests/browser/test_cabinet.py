"""A client's manager uses the cabinet from a phone, against `deskbot run` as it is deployed: the log-in
code comes by e-mail (the SMTP sink), the tariff request reaches the manager in the fake Telegram."""
import re

import pytest
from playwright.sync_api import Page, expect

from harness.cabinet_run import ANSWER, ANSWERED, OLGA, OTHER, WAITING, CabinetDesk

# Chromium's own PDF viewer (an extension built in), which shows a PDF served inline.
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"
PHONE = {"width": 390, "height": 844}  # opened from links in Telegram, on a phone


@pytest.fixture
def desk(tmp_path):
    running = CabinetDesk(tmp_path).start()
    yield running
    running.stop()


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def shot(page: Page, artifacts):
    """A picture of a step, to look at: what a person on a phone sees."""
    return lambda name: page.screenshot(path=str(artifacts / f"cabinet-{name}.png"), full_page=True)


def fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"sideways scroll on {page.url}"


def on_the_screen(locator) -> None:
    """Seen without scrolling sideways, not only present (a wide table scrolls inside itself)."""
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def log_in(page: Page, desk: CabinetDesk, email: str) -> str:
    """Up to the code page; the code that the mail brought."""
    url = desk.url  # once the desk is up
    mailed = len(desk.sink.received)
    page.goto(url + "/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    return desk.code_mailed_to(email, after=mailed)


def test_a_client_manager_logs_in_reads_tickets_and_a_report_and_asks_for_another_tariff(desk, page: Page, shot):
    code = log_in(page, desk, OLGA)
    fits_the_phone(page)
    shot("1-code")
    # A mistyped code is told in words, and the right one still works after it.
    page.get_by_label("The code from the e-mail").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("This code is wrong")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()  # the same page, not an error one
    fits_the_phone(page)
    shot("2-wrong-code")
    page.get_by_label("The code from the e-mail").fill(code)
    page.get_by_role("button", name="Log in").click()

    # All of Acme's tickets: Olga is its client manager.
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    table = page.get_by_role("table")
    for subject in (ANSWERED, OTHER, WAITING):
        expect(table.get_by_role("link", name=subject)).to_be_visible()
    fits_the_phone(page)
    shot("3-tickets")

    page.get_by_label("Status").select_option(label="closed")
    page.get_by_role("button", name="Show").click()
    expect(table.get_by_role("link", name=ANSWERED)).to_be_visible()
    expect(table.get_by_role("link", name=OTHER)).to_have_count(0)
    page.get_by_label("Status").select_option(label="any")
    page.get_by_label("Number or words of the subject").fill("laptop")
    page.get_by_role("button", name="Show").click()
    expect(table.get_by_role("link", name=WAITING)).to_be_visible()
    expect(table.get_by_role("link", name=ANSWERED)).to_have_count(0)
    shot("4-search")

    page.get_by_label("Number or words of the subject").fill("")
    page.get_by_role("button", name="Show").click()
    table.get_by_role("link", name=ANSWERED).click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(ANSWERED)))).to_be_visible()
    conversation = page.locator("main article")
    expect(conversation.first).to_contain_text("It jams on every second page.")
    expect(conversation.nth(1)).to_contain_text("registered it as ticket")  # the acknowledgement
    expect(conversation.last).to_contain_text(ANSWER)
    fits_the_phone(page)
    shot("5-ticket")

    page.get_by_role("navigation", name="Cabinet").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Monthly reports")).to_be_visible()
    fits_the_phone(page)
    shot("6-reports")
    on_the_screen(page.get_by_role("link", name="Open"))
    # Chromium shows the PDF in its own viewer (headless too); Download saves the same file.
    with page.expect_response(re.compile(r"/reports/\d+$")) as answer, \
            page.expect_event("framenavigated", predicate=lambda frame: frame.url.startswith(PDF_VIEWER)) as viewer:
        page.get_by_role("link", name="Open").click()
    assert answer.value.status == 200 and answer.value.headers["content-type"] == "application/pdf"
    assert answer.value.headers["content-disposition"].startswith("inline;")
    # The viewer has read the document once its page box shows page 1.
    expect(viewer.value.locator("#pageSelector")).to_have_value("1")
    shot("7-report-pdf")
    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf == page.request.get(answer.value.url).body()  # what the viewer showed
    assert re.fullmatch(r"report-acme\.example-\d{4}-\d{2}\.pdf", download.value.suggested_filename)

    page.get_by_role("navigation", name="Cabinet").get_by_role("link", name="Finance").click()
    expect(page.get_by_role("heading", name="Contract and hours")).to_be_visible()
    page.get_by_label("What to change").select_option(label="More hours")
    page.get_by_label("Comment").fill("We open a second office in May.")
    page.get_by_role("button", name="Send to the manager").click()
    expect(page.get_by_role("status")).to_contain_text("Your request has reached your manager")
    expect(page.get_by_role("status")).to_be_in_viewport()  # not above, out of sight, on a phone
    told = desk.told_manager("second office")
    assert "Acme Ltd" in told and "More hours" in told
    asked = page.get_by_role("table").filter(has_text="Your requests")
    expect(asked.get_by_role("row").filter(has_text="More hours")).to_contain_text("open")
    fits_the_phone(page)
    shot("8-finance")

    # Maria marks it answered in Telegram: the cabinet says so.
    assert desk.manager_taps("second office", "✅ Answered") == "Marked answered: the client's cabinet shows it."
    page.reload()
    expect(asked.get_by_role("row").filter(has_text="More hours")).to_contain_text("answered")
    assert [p for p in page.problems if "Failed to load resource" not in p] == []

