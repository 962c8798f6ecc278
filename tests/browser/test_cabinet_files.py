"""The customer's cabinet on a phone (390 px wide), in a real browser: log in with a code, the ticket list
with its filters, a ticket with its attachments, the account with its sessions. Nothing may be wider than
the screen; each page leaves a screenshot in tests/artifacts/browser/files-*.png to look at."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from harness.cabinet_server import CabinetServer
from harness.web import ANN

PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(os.environ.get("DESKBOT_TEST_ARTIFACTS", Path(__file__).parent.parent / "artifacts")) / "browser"


@pytest.fixture
def viewport():
    return PHONE


@pytest.fixture
def server(tmp_path):
    running = CabinetServer(tmp_path).start()
    yield running
    running.stop()


def _fits(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"files-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width} px wide"


def test_a_customer_on_a_phone(page: Page, server: CabinetServer):
    page.goto(server.url + "/login")
    expect(page.get_by_role("link", name="Write a request without logging in")).to_have_attribute("href", "/new")
    _fits(page, "login")
    page.goto(f"{server.url}/login/code?email={ANN}&code={server.code(ANN)}")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    page.get_by_label("Opened").select_option(label="last 3 months")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{server.url}/tickets?status=&period=last-3-months&from=&to=&q=")
    _fits(page, "tickets")
    page.get_by_role("link", name="Printer on fire").click()
    files = page.get_by_role("list", name="Attachments")
    expect(files.get_by_role("link", name="Акт сверки за ноябрь.pdf")).to_be_visible()
    with page.expect_download() as download:
        files.get_by_role("link", name="printer-photo-from-the-second-floor.jpeg").click()
    assert download.value.suggested_filename == "printer-photo-from-the-second-floor.jpeg"
    _fits(page, "ticket")
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("(this browser)")).to_be_visible()
    _fits(page, "account")
    page.get_by_role("button", name="End").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()  # this browser's own session ended
    assert [p for p in page.problems if "Failed to load resource" not in p] == []
