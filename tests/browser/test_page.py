"""The demo page against a stand-in back end (harness/demo_stub.py): what it draws and what it sends."""
import pytest
from playwright.sync_api import expect

from harness.demo_stub import DANA, GROUP, IRA, OLEG

PHONE = {"width": 390, "height": 844}


def test_telegram_html_keeps_telegrams_tags_and_shows_the_rest_as_text(page, stub):
    page.goto(stub.url)
    card = page.locator("#pane-group .msg").first
    expect(card).to_contain_text("#1 Printer on fire")
    for tag, text in (("b", "#1"), ("i", "Printer"), ("u", "on fire"), ("s", "old"), ("pre code", "lpstat -t"),
                      ("blockquote", "It smokes")):
        expect(card.locator(f".body {tag}").first).to_have_text(text)
    expect(card.locator("code.language-sh")).to_have_count(1)
    expect(card.get_by_role("link", name="link", exact=True)).to_have_attribute("href", "https://example.com/t/1")
    expect(card.locator("a", has_text="bad link")).not_to_have_attribute("href", "javascript:alert(1)")
    assert card.locator("a", has_text="bad link").get_attribute("href") is None
    # Tags Telegram does not have are dropped, their text kept as text, nothing run.
    expect(card.locator("script, img")).to_have_count(0)
    expect(card).to_contain_text("window.pwned = 1<not a tag>")
    assert page.evaluate("window.pwned") is None
    spoiler = card.locator(".spoiler")
    expect(spoiler).not_to_have_class("spoiler shown")
    spoiler.click()
    expect(spoiler).to_have_class("spoiler shown")
    assert page.problems == []  # no script error, nothing refused by default-src 'self'


def test_a_button_press_names_the_chat_the_person_and_the_message(page, stub):
    page.goto(stub.url)
    page.locator("#pane-group").get_by_role("button", name="Support").click()
    expect(page.locator("#pane-group")).to_contain_text("pressed dep:support on 1")
    assert ("press", {"chat_id": GROUP, "user_id": DANA, "message_id": 1, "data": "dep:support"}) in stub.calls


def test_a_picture_shows_with_a_link_to_its_file(page, stub):
    def picture(state):
        state["chats"][str(GROUP)].append({
            "message_id": 2, "from": "Oleg", "user_id": OLEG, "html": "", "buttons": [], "reply_to": None,
            "document": {"name": "screen.png", "url": "/api/file/7"}, "edited": False, "deleted": False})
    stub.change(picture)
    page.goto(stub.url)
    shown = page.locator("#pane-group .msg", has_text="screen.png")
    expect(shown.get_by_role("link", name="screen.png")).to_have_attribute("href", "/api/file/7")
    expect(shown.get_by_role("img", name="screen.png")).to_have_js_property("complete", True)
    assert shown.get_by_role("img").evaluate("img => img.naturalWidth") > 0
    assert page.problems == []


def test_the_bots_answer_to_a_tap_shows_as_an_alert_until_dismissed(page, stub):
    page.goto(stub.url)
    page.locator("#pane-group").get_by_role("button", name="Network").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Only a dispatcher can assign tickets.")
    alert.click()
    expect(alert).to_be_hidden()


def test_a_reply_goes_to_the_message_it_answers_and_shows_its_quote(page, stub):
    page.goto(stub.url)
    group = page.locator("#pane-group")
    group.locator(".msg").first.get_by_role("button", name="Reply").click()
    expect(group.locator(".replying")).to_contain_text("deskbot: #1 Printer")
    group.get_by_placeholder("Message").fill("on my way")
    group.get_by_placeholder("Message").press("Enter")
    mine = group.locator(".msg.mine")
    expect(mine).to_contain_text("on my way")
    expect(mine.locator(".quote")).to_contain_text("deskbot: #1 Printer")
    expect(group.locator(".replying")).to_be_hidden()
    expect(group.get_by_placeholder("Message")).to_have_value("")
    assert ("say", {"chat_id": GROUP, "user_id": DANA, "text": "on my way", "reply_to": 1}) in stub.calls


def test_the_staff_switcher_shows_that_persons_private_chat_and_acts_as_them(page, stub):
    page.goto(stub.url)
    private = page.locator("#pane-private")
    expect(private.locator(".document")).to_have_text("report.pdf")
    expect(private.locator(".edited")).to_have_text("edited")
    private.locator("#private-as").select_option(label="Ira (network)")
    expect(private.locator(".msg")).to_have_count(1)
    expect(private.locator(".command")).to_have_count(1)  # /not_this is code: not a command
    private.get_by_role("button", name="/my").click()  # a command in the bot's text sends it, as in Telegram
    expect(private.locator(".msg.mine")).to_have_text("/my↩")
    private.locator("#private-as").select_option(label="Oleg (support)")
    private.get_by_role("button", name="Take").click()
    expect(private).to_contain_text("pressed take:1 on 1")
    assert ("press", {"chat_id": OLEG, "user_id": OLEG, "message_id": 1, "data": "take:1"}) in stub.calls
    assert ("say", {"chat_id": IRA, "user_id": IRA, "text": "/my", "reply_to": None}) in stub.calls


def test_the_switcher_counts_what_the_bot_sent_someone_else_until_their_chat_is_shown(page, stub):
    page.goto(stub.url)
    switcher = page.locator("#private-as")
    expect(switcher).to_have_value(str(OLEG))

    def to_ira(state):
        for number in (2, 3):
            state["chats"][str(IRA)].append({
                "message_id": number, "from": "bot", "user_id": None, "html": f"news {number}", "buttons": [],
                "reply_to": None, "document": None, "edited": False, "deleted": False})
    stub.change(to_ira)
    expect(switcher.locator("option", has_text="Ira")).to_have_text("Ira (network) ● 2")
    switcher.select_option(str(IRA))
    expect(page.locator("#pane-private")).to_contain_text("news 3")
    expect(switcher.locator("option", has_text="Ira")).to_have_text("Ira (network)")


def test_the_customer_writes_reads_the_acknowledgement_and_replies_in_its_thread(page, stub):
    page.goto(stub.url)
    mail = page.locator("#pane-mail")
    expect(mail.locator("#customer")).to_have_text("Anna Petrova <anna@client.example>")
    mail.get_by_role("button", name="Write to support").click()
    mail.get_by_label("Subject").fill("Printer")
    mail.get_by_label("Text").fill("It smokes.\nPlease come.")
    mail.get_by_role("button", name="Send").click()
    ack = mail.locator(".mail-row.in")
    expect(ack).to_contain_text("[#1] Printer")
    expect(mail.locator(".mail-row.out")).to_contain_text("It smokes. Please come.")
    ack.click()
    expect(mail.locator("#read-text")).to_have_text("We have your request.")
    mail.get_by_role("button", name="Reply").click()
    expect(mail.get_by_label("Subject")).to_have_value("Re: [#1] Printer")
    mail.get_by_label("Text").fill("Thanks")
    mail.get_by_role("button", name="Send").click()
    expect(mail.locator(".mail-row")).to_have_count(4)
    assert ("mail", {"subject": "Re: [#1] Printer", "text": "Thanks", "in_reply_to": "<ack1@desk.example>"}) in stub.calls


def test_what_the_back_end_changes_shows_at_once(page, stub):
    page.goto(stub.url)
    expect(page.locator("#live")).to_have_attribute("data-state", "live")

    def edit(state):
        card = state["chats"][str(GROUP)][0]
        card["html"] = "<b>#1</b> assigned to Oleg"
        card["buttons"] = []
        card["edited"] = True
    stub.change(edit)
    card = page.locator("#pane-group .msg").first
    expect(card.locator(".body")).to_have_text("#1 assigned to Oleg")
    expect(card.get_by_role("button", name="Support")).to_have_count(0)


def test_after_the_demo_restarts_the_page_shows_its_new_state(page, stub):
    page.goto(stub.url)
    for _ in range(3):
        stub.change(lambda state: None)  # versions 2, 3, 4
    expect(page.locator("#pane-group .msg").first).to_contain_text("Printer")

    def fresh(state):
        state["chats"][str(GROUP)][0]["html"] = "<b>#1</b> A new desk"
    stub.restart(fresh)  # version 1 again
    expect(page.locator("#pane-group .msg").first).to_contain_text("A new desk")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")


def test_the_language_switch_changes_the_pages_words(page, stub):
    page.goto(stub.url)
    expect(page.get_by_role("button", name="Send 50 mails")).to_be_visible()
    page.get_by_role("button", name="RU").click()
    expect(page.get_by_role("button", name="Отправить 50 писем")).to_be_visible()
    expect(page.locator("#pane-mail")).to_contain_text("Писем пока нет")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.get_by_role("button", name="Отправить 50 писем").click()
    expect(page.locator("#pane-group")).to_contain_text("50 new tickets")
    assert ("lang", {"lang": "ru"}) in stub.calls and ("burst", {}) in stub.calls


def test_a_refusal_is_shown_and_the_typed_text_kept(page, stub):
    page.goto(stub.url)
    box = page.locator("#pane-group").get_by_placeholder("Message")
    box.fill("fail")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Not done: the stub refuses")
    expect(box).to_have_value("fail")


@pytest.mark.parametrize("viewport", [PHONE])
def test_on_a_phone_one_pane_shows_and_a_tab_marks_news(page, stub):
    page.goto(stub.url)
    expect(page.locator("#pane-group")).to_be_visible()
    expect(page.locator("#pane-mail")).to_be_hidden()
    stub.change(lambda state: state["mailbox"].append({
        "id": 1, "direction": "in", "from": "support@desk.example", "to": "anna@client.example",
        "subject": "Hello", "date": "2026-12-02T10:00:00+00:00", "text": "Hi", "message_id": "<x@y>",
        "in_reply_to": None}))
    tab = page.locator("#tabs").get_by_role("button", name="Mailbox")
    expect(tab).to_have_class("news")
    tab.click()
    expect(page.locator("#pane-mail")).to_be_visible()
    expect(page.locator("#pane-group")).to_be_hidden()
    expect(page.locator("#pane-mail .mail-subject")).to_have_text("Hello")
    expect(tab).not_to_have_class("news")
