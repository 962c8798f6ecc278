"""Quarantined mail: a person's or machine mail, what the dispatcher chat is told, and how an item reads."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from deskbot.bot.render import quarantine as shown
from deskbot.bot.render.callbacks import QuarantinePageV1, QuarantineV1
from deskbot.bot.render.texts import MESSAGE_LIMIT, Texts, visible_length
from deskbot.dispatch.quarantine import ItemView, first_lines
from deskbot.dispatch.quarantine_rules import NOTICE_CARDS, KeptAside, Kind, kind_of, plan_notices, reason_kind
from deskbot.mailbox.inbound import Address, InboundMail

OWN = {"support@desk.test"}
AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
BIG = 2_147_483_647


def mail(sender: str | None = "anna@client.test", auto: str | None = None) -> InboundMail:
    return InboundMail(key="k", size=1, sender=Address(sender) if sender else None, auto=auto,
                       sender_error=None if sender else "no From header")


@pytest.mark.parametrize(("given", "kind"), [
    (mail(), Kind.PERSON),  # e.g. refused by the database
    (mail(sender=None), Kind.PERSON),  # a human with a From nobody can read
    (mail(auto="auto-submitted: auto-replied"), Kind.MACHINE),
    (mail(sender=None, auto="bounce (multipart/report)"), Kind.MACHINE),  # a bounce with a broken From
    (mail(auto="list mail (List-Id)"), Kind.MACHINE),
    (mail(auto="bulk mail (Precedence: bulk)"), Kind.MACHINE),
    (mail(sender="support@desk.test"), Kind.MACHINE),  # our own mail that answers nothing: a loop, not a person
])
def test_a_person_is_neither_automatic_nor_ourselves(given, kind):
    assert kind_of(given, OWN) is kind


def items(count: int) -> list[KeptAside]:
    return [KeptAside(n, f"sender{n}", f"subject {n}", "no usable sender: x", AT) for n in range(1, count + 1)]


def test_a_handful_gets_a_message_each_and_more_one_list():
    one_each = plan_notices(items(NOTICE_CARDS), budget=20, measure=lambda item: 40)
    assert [i.id for i in one_each.cards] == [1, 2, 3] and not one_each.listed
    listed = plan_notices(items(NOTICE_CARDS + 1), budget=20, measure=lambda item: 40)
    assert not listed.cards and listed.shown == [1, 2, 3, 4] and listed.more == 0


def test_a_long_backlog_lists_what_one_message_holds_and_the_rest_waits():
    plan = plan_notices(items(500), budget=20, measure=lambda item: 100, limit=3900)
    assert plan.shown == list(range(1, 40)) and plan.more == 461  # oldest first; the next sweep lists the rest


def test_no_budget_no_notice_and_a_small_budget_lists_rather_than_floods():
    assert plan_notices(items(2), budget=0, measure=lambda item: 40).shown == []
    assert plan_notices([], budget=20, measure=lambda item: 40).shown == []
    tight = plan_notices(items(2), budget=1, measure=lambda item: 40)
    assert not tight.cards and tight.shown == [1, 2]  # one message for both


@pytest.mark.parametrize(("reason", "kind"), [
    ("no usable sender: no From header", "no-sender"),
    ("mail from our own address support@desk.test", "own-address"),
    ("automatic mail that answers no ticket (auto-submitted: auto-replied)", "automatic"),
    ("could not be stored: (psycopg) invalid byte sequence", "unstorable"),
    ("something new", "other"),
])
def test_reasons_read_as_catalog_texts(reason, kind):
    assert reason_kind(reason) == kind


def view(**changes) -> ItemView:
    values = dict(id=12, kind="person", sender='"<b>Anna</b>" <anna@@client..test>',
                  subject="Invoice <script>&amp;", reason="could not be stored: ERROR: NUL in text",
                  received_at=AT, excerpt="<i>Hello</i> & bye", status="open", ticket_id=None,
                  decided_by=None, decided_at=None)
    return ItemView(**{**values, **changes})


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_item_is_escaped_and_never_shows_the_databases_words(lang):
    text = shown.render(view(), Texts(lang), ZoneInfo("Europe/Moscow"))
    assert "&lt;b&gt;Anna&lt;/b&gt;" in text and "&lt;script&gt;&amp;amp;" in text
    assert "&lt;i&gt;Hello&lt;/i&gt; &amp; bye" in text and "<blockquote expandable>" in text
    assert "NUL" not in text and "ERROR" not in text and "/quarantine_12" in text
    assert visible_length(text) <= MESSAGE_LIMIT


def test_a_decided_item_says_by_whom_and_when():
    en, zone = Texts("en"), ZoneInfo("Europe/Moscow")
    released = shown.render(view(status="released", ticket_id=7, decided_by="Dina", decided_at=AT), en, zone)
    assert released.endswith("✅ Made ticket #7 by Dina at 02.03.2026 12:00.")
    dismissed = shown.render(view(status="dismissed", decided_at=AT, kind="machine"), en, zone)
    assert "🤖 Machine mail." in dismissed and dismissed.endswith("🗑 Dismissed from the command line at 02.03.2026 12:00.")


def test_first_lines_keep_the_start_of_a_long_text():
    assert first_lines("\n\nline\n" * 40 + "tail").count("line") <= 12
    assert first_lines("x" * 5000) == "x" * 1200


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_quarantine_buttons_fit_64_bytes(lang):
    buttons = [b for row in shown.buttons(BIG, Texts(lang)).inline_keyboard for b in row]
    assert [QuarantineV1.unpack(b.callback_data).action for b in buttons] == ["ticket", "dismiss"]
    assert all(len(b.callback_data.encode()) <= 64 for b in buttons)
    assert len(QuarantinePageV1(page=BIG).pack().encode()) <= 64


def test_a_ticket_without_an_address_says_it_has_no_reply_address():
    from deskbot.bot.render.texts import TicketCard

    card = Texts("en").card(TicketCard(number=5, subject="Help", customer_name="", customer_address="",
                                       organization=None, excerpt="Please call me", attachments=0))
    assert card.splitlines()[1] == "From: <i>no reply address (the sender could not be read)</i>"
