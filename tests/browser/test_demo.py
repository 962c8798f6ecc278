"""The whole loop in a browser, against the real `deskbot demo`, clicking and typing as a newcomer would."""
import re

import pytest
from playwright.sync_api import expect

from harness.demo_process import deskbot_demo

SUBJECT = "Printer on the 3rd floor prints blank pages"
ANSWER = "Hello Alex, we replaced the toner: please try again."


@pytest.fixture
def demo(tmp_path):
    with deskbot_demo(tmp_path / "demo") as url:
        yield url


def test_a_mail_becomes_a_card_is_assigned_taken_answered_and_closed_with_the_time(page, demo):
    page.goto(demo)
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    group, private, mail = page.locator("#pane-group"), page.locator("#pane-private"), page.locator("#pane-mail")

    # The customer writes, and gets the acknowledgement with the ticket's number.
    mail.get_by_role("button", name="Write to support").click()
    mail.get_by_label("Subject").fill(SUBJECT)
    mail.get_by_label("Text").fill("Since this morning every page comes out blank.\nRoom 312.")
    mail.get_by_role("button", name="Send").click()
    expect(mail.locator(".mail-row.in", has_text="[#1]")).to_be_visible()

    # The card in the dispatcher group: the department, then the person.
    card = group.locator(".msg", has_text=SUBJECT).first
    expect(card).to_contain_text("#1")
    card.get_by_role("button", name="Technical support").click()
    card.get_by_role("button", name=re.compile("^Sam")).click()
    expect(card).to_contain_text("Assigned by Dana")

    # Sam's phone: Take, Answer, the answer typed.
    sam = private.locator("#private-as option", has_text="Sam")
    private.locator("#private-as").select_option(sam.get_attribute("value"))
    task = private.locator(".msg", has_text="assigned you a ticket").filter(has_text=SUBJECT)
    task.get_by_role("button", name="Take").click()
    expect(task).to_contain_text("Sam Ortiz is working on it")
    task.get_by_role("button", name="Answer").click()
    expect(private.locator(".msg").last).to_contain_text("Type your answer to")
    box = private.get_by_placeholder("Message")
    box.fill(ANSWER)
    box.press("Enter")

    expect(private).to_contain_text("Your answer on #1 was delivered")

    # The answer lands in the customer's mailbox, in the ticket's thread.
    answer = mail.locator(".mail-row.in", has_text=ANSWER[:30])
    expect(answer).to_contain_text("#1")
    answer.click()
    expect(mail.locator("#read-text")).to_contain_text(ANSWER)

    # Close, with the time typed; the card says so.
    task.get_by_role("button", name="Close").click()
    expect(task).to_contain_text("How long did #1 take?")  # the card asks, with buttons; typing works too
    box.fill("1h 30m")
    box.press("Enter")
    expect(private).to_contain_text("#1 closed, 1 h 30 min recorded")
    expect(group.locator(".msg", has_text=SUBJECT).first).to_contain_text("Closed by Sam")
    expect(group.locator(".msg", has_text=SUBJECT).first).to_contain_text("1 h 30 min recorded")
    assert page.problems == []


def test_the_customer_replies_and_the_specialist_answers_with_a_telegram_reply(page, demo):
    page.goto(demo)
    group, private, mail = page.locator("#pane-group"), page.locator("#pane-private"), page.locator("#pane-mail")
    mail.get_by_role("button", name="Write to support").click()
    mail.get_by_label("Subject").fill("VPN drops every hour")
    mail.get_by_label("Text").fill("The VPN disconnects every hour.")
    mail.get_by_role("button", name="Send").click()
    card = group.locator(".msg", has_text="VPN drops every hour").first
    card.get_by_role("button", name="Technical support").click()
    card.get_by_role("button", name=re.compile("^Sam")).click()
    task = private.locator(".msg", has_text="assigned you a ticket")
    task.get_by_role("button", name="Take").click()
    expect(task).to_contain_text("Sam Ortiz is working on it")

    # The customer answers the acknowledgement, in its thread.
    mail.locator(".mail-row.in", has_text="[#1]").click()
    mail.get_by_role("button", name="Reply").click()
    mail.get_by_label("Text").fill("It happens on my phone too.")
    mail.get_by_role("button", name="Send").click()

    # Sam sees it, and answers with a reply to that message (the ↩ on it), not a button.
    forwarded = private.locator(".msg", has_text="It happens on my phone too.")
    expect(forwarded).to_contain_text("replied on #1")
    forwarded.get_by_role("button", name="Reply").click()
    expect(private.locator(".replying")).to_contain_text("It happens on my phone too.")
    box = private.get_by_placeholder("Message")
    box.fill("Thanks, we are looking at the phone profile too.")
    box.press("Enter")
    expect(private.locator(".msg.mine .quote")).to_contain_text("replied on #1")
    answer = mail.locator(".mail-row.in", has_text="phone profile")
    expect(answer).to_contain_text("[#1]")
    assert page.problems == []
