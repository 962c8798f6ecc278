"""A dispatcher signs in from Telegram and assigns on the staff board, against the real `deskbot run`."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from harness.board_desk import DANA, SAM, BoardDesk


# As tests/browser/conftest.py has them (a conftest is not imported by name).
ARTIFACTS = Path(os.environ.get("DESKBOT_TEST_ARTIFACTS", Path(__file__).parent.parent / "artifacts")) / "browser"
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000


def _script_problems(page) -> list[str]:
    return [p for p in page.problems if "Failed to load resource" not in p]


@pytest.fixture
def desk(tmp_path):
    running = BoardDesk(tmp_path).start()
    yield running
    running.stop()


def _sign_in(page: Page, desk: BoardDesk, user: int) -> None:
    page.goto(desk.url + desk.sign_in_link(user))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Board", level=1)).to_be_visible()


def test_a_dispatcher_assigns_from_the_board_and_the_telegram_card_follows(page: Page, browser: Browser,
                                                                           desk: BoardDesk):
    card = desk.mail("Printer on the 3rd floor prints blank pages")
    _sign_in(page, desk, DANA)
    new = page.get_by_role("region", name="New")
    expect(new).to_contain_text("#1 Printer on the 3rd floor prints blank pages")
    expect(new).to_contain_text("acme.example")
    expect(page.locator("#live")).to_be_visible()  # board.js runs (the page's CSP allows no inline script)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "board-desktop.png"), full_page=True)

    new.get_by_label("Assign #1 to").select_option(label="Sam")
    new.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_contain_text("Ticket #1 is assigned to Sam.")
    expect(page.get_by_role("region", name="Assigned")).to_contain_text("Sam")
    assert "Assigned by Dana to Sam" in desk.card_shows(card, "Assigned by Dana to Sam")
    assert "Printer on the 3rd floor" in desk.private_card(SAM, "assigned you a ticket")

    # A new mail shows up on the open board by itself.
    desk.mail("The scanner jams")
    expect(new).to_contain_text("#2 The scanner jams", timeout=TIMEOUT_MS)
    page.screenshot(path=str(ARTIFACTS / "board-desktop-live.png"), full_page=True)
    assert _script_problems(page) == []

    # On a phone, without script: the columns stack, and the form still assigns.
    phone = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    try:
        small = phone.new_page()
        small.set_default_timeout(TIMEOUT_MS)
        _sign_in(small, desk, DANA)
        assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        expect(small.get_by_role("link", name="Refresh")).to_be_visible()
        expect(small.locator("#live")).to_be_hidden()
        small.screenshot(path=str(ARTIFACTS / "board-phone.png"), full_page=True)
        column = small.get_by_role("region", name="New")
        column.get_by_label("Assign #2 to").select_option(label="Dana")
        column.get_by_role("button", name="Assign").click()
        expect(small.get_by_role("status")).to_contain_text("Ticket #2 is assigned to Dana.")
        small.screenshot(path=str(ARTIFACTS / "board-phone-assigned.png"), full_page=True)
    finally:
        phone.close()
