"""A person writes a request on the form at /new from a phone, in a real browser."""
import re


def _script_problems(page) -> list[str]:
    """Script errors and CSP refusals; a 400 page or the missing favicon is no script problem."""
    return [p for p in page.problems if "Failed to load resource" not in p]

import pytest
from playwright.sync_api import Page, expect

from harness.form_server import FormServer


@pytest.fixture
def viewport():
    return {"width": 390, "height": 844}  # a phone: the form is opened from links on one


@pytest.fixture
def server(tmp_path):
    running = FormServer(tmp_path).start()
    yield running
    running.stop()


def test_a_person_writes_a_request_and_gets_its_number(page: Page, server: FormServer, tmp_path):
    page.goto(server.url + "/new")
    page.get_by_label("What is it about?").select_option(label="A printer")
    page.get_by_label("Your name").fill("Kim Park")
    page.get_by_label("Your e-mail address").fill("kim@acme.example")
    page.get_by_label("Subject").fill("<script>window.pwned = 1</script>")
    page.get_by_label("What happened").fill("The printer on floor 2 eats paper.")
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n")
    page.get_by_label("Files").set_input_files(str(shot))
    page.get_by_role("button", name="Send the request").click()

    expect(page.get_by_role("heading", name="Request received")).to_be_visible()
    number = int(re.search(r"ticket #(\d+)", page.locator("main").inner_text()).group(1))
    assert server.ticket(number) == ("<script>window.pwned = 1</script>", "kim@acme.example")
    assert page.evaluate("typeof window.pwned") == "undefined" and _script_problems(page) == []


def test_a_missing_field_is_told_and_what_was_typed_stays(page: Page, server: FormServer):
    page.goto(server.url + "/new")
    page.get_by_label("What is it about?").select_option(label="Access to a system")
    page.get_by_label("Your e-mail address").fill("kim@acme.example")
    page.get_by_label("What happened").fill("I cannot log in to the CRM.")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("alert")).to_contain_text("needs your name")
    expect(page.get_by_label("What happened")).to_have_value("I cannot log in to the CRM.")
    assert _script_problems(page) == []


def test_the_form_fits_a_phone(page: Page, server: FormServer):
    page.goto(server.url + "/new")
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
