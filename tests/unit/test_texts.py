from datetime import datetime, timedelta, timezone

import pytest
from fluent.syntax import ast
from fluent.syntax.visitor import Visitor
from harness.fake_telegram.entities import parse_html, utf16_len

from deskbot.bot.render.texts import DIGEST_STYLES, MESSAGE_LIMIT, Texts, TicketCard
from deskbot.catalog.words import ALERT_LIMIT, LANGUAGES, Safe, catalog, cut, visible_length
from deskbot.dispatch.rules import Digest, WaitingTicket, group_for_reminder, plan_announcements
from deskbot.dispatch.timespent import TimeSpentError, parse_time_spent

EN, RU = Texts("en"), Texts("ru")
HOSTILE = "<b>&amp; Tom & Jerry</b> <script>"
NOW = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)


class _Variables(Visitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.names.add(node.id.name)


def messages(lang: str) -> dict[str, set[str]]:
    found = {}
    for entry in catalog(lang).body:
        if isinstance(entry, ast.Message):
            variables = _Variables()
            variables.visit(entry)
            found[entry.id.name] = variables.names
    return found


def card(**changes) -> TicketCard:
    fields = dict(number=1234, subject="Printer on fire", customer_name="Ann Lee",
                  customer_address="ann@example.com", organization="Example Ltd",
                  excerpt="It smokes.", attachments=2)
    return TicketCard(**{**fields, **changes})


# The catalogs --------------------------------------------------------------

def test_every_key_is_in_both_languages_with_the_same_arguments():
    en, ru = messages("en"), messages("ru")
    assert sorted(set(en) - set(ru)) == [], "missing in ru"
    assert sorted(set(ru) - set(en)) == [], "missing in en"
    assert {k: v for k, v in en.items() if ru[k] != v} == {}
    assert len(en) > 60


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_renders_as_telegram_html_with_hostile_arguments(lang):
    texts = Texts(lang)
    for key, variables in messages(lang).items():
        args = {name: 21 if name in {"count", "number", "id", "part", "parts", "hours",
                                     "minutes", "days"} else HOSTILE for name in variables}
        rendered = texts.t(key, **args)
        parsed = parse_html(rendered)  # raises as Telegram would
        if HOSTILE in args.values():
            assert HOSTILE in parsed.text, key  # shown as typed, never as markup
        if key.startswith(("alert-", "button-", "duration-", "status-")):
            plain = texts.plain(key, **args)
            assert "<" not in plain.replace(HOSTILE, "") and "&" not in plain.replace(HOSTILE, ""), key


def test_unknown_language_key_and_missing_argument_are_loud():
    with pytest.raises(ValueError):
        Texts("de")
    with pytest.raises(KeyError):
        EN.t("no-such-text")
    with pytest.raises(ValueError):
        EN.t("card-title", number=1)
    with pytest.raises(TypeError):
        EN.t("card-title", number=1, subject=None)


# Plurals -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("count", "en", "ru"),
    [
        (1, "1 ticket is waiting", "1 тикет ждёт назначения"),
        (2, "2 tickets are waiting", "2 тикета ждут назначения"),
        (5, "5 tickets are waiting", "5 тикетов ждут назначения"),
        (11, "11 tickets are waiting", "11 тикетов ждут назначения"),
        (21, "21 tickets are waiting", "21 тикет ждёт назначения"),
        (22, "22 tickets are waiting", "22 тикета ждут назначения"),
        (2000, "2000 tickets are waiting", "2000 тикетов ждут назначения"),
    ],
)
def test_waiting_digest_header_plurals(count, en, ru):
    assert EN.t("digest-waiting", count=count) == f"⏰ <b>{en}</b>"
    assert RU.t("digest-waiting", count=count) == f"⏰ <b>{ru}</b>"


@pytest.mark.parametrize(
    ("count", "en", "ru"),
    [(1, "📎 1 attachment", "📎 1 вложение"), (3, "📎 3 attachments", "📎 3 вложения"),
     (5, "📎 5 attachments", "📎 5 вложений"), (21, "📎 21 attachments", "📎 21 вложение")],
)
def test_attachment_count_plurals(count, en, ru):
    assert EN.t("card-attachments", count=count) == en
    assert RU.t("card-attachments", count=count) == ru


def test_other_plurals():
    assert RU.t("digest-new", count=2) == "📥 <b>2 новых тикета</b>"
    assert RU.t("my-header", count=21) == "<b>У вас 21 открытый тикет</b>"
    assert EN.t("my-header", count=1) == "<b>You have 1 open ticket</b>"
    assert "24 hours" in EN.time_spent_error("too_long", "90h")
    assert "24 часов" in RU.time_spent_error("too_long", "90h")


def test_numbers_and_ids_are_never_grouped():
    assert "<code>123456789</code>" in EN.t("start-stranger", id=123456789)
    assert "<code>123456789</code>" in RU.t("start-stranger", id=123456789)
    assert "[[staff]]" in EN.t("start-stranger", id=1)
    assert RU.t("card-title", number=12345, subject="x") == "<b>#12345</b> x"


# Durations and the time spent ------------------------------------------------

@pytest.mark.parametrize(
    ("minutes", "en", "ru"),
    [(45, "45 min", "45 мин"), (60, "1 h", "1 ч"), (90, "1 h 30 min", "1 ч 30 мин"),
     (1440, "1 d", "1 дн."), (1505, "1 d 1 h", "1 дн. 1 ч"), (0, "0 min", "0 мин")],
)
def test_durations(minutes, en, ru):
    assert EN.duration(minutes) == en
    assert RU.duration(minutes) == ru


def test_nag_shows_the_age():
    assert EN.t("nag", age=EN.age(timedelta(minutes=65, seconds=59))) == \
        "⏰ <b>Not assigned yet</b>, waiting 1 h 5 min."
    assert RU.t("nag", age=RU.age(timedelta(minutes=5))) == "⏰ <b>Ещё не назначен</b>, ждёт 5 мин."


@pytest.mark.parametrize("typed", ["abc", "0", "-5m", "90h"])
def test_every_refusal_has_a_re_prompt(typed):
    with pytest.raises(TimeSpentError) as caught:
        parse_time_spent(typed)
    for texts in (EN, RU):
        parse_html(texts.time_spent_error(caught.value.reason, typed))
    assert "“&lt;b&gt;”" in EN.time_spent_error("not_understood", "<b>")


def test_closed_says_what_was_recorded():
    assert EN.t("closed", number=7, time_spent=EN.duration(90)) == "✅ #7 closed, 1 h 30 min recorded."
    assert RU.t("closed", number=7, time_spent=RU.duration(90)) == "✅ #7 закрыт, записано 1 ч 30 мин."


# Escaping and cutting --------------------------------------------------------

def test_subject_and_names_are_escaped_in_the_card():
    rendered = EN.card(card(subject="<b>&", customer_name="A & B", organization="<i>Org</i>"))
    assert "<b>#1234</b> &lt;b&gt;&amp;" in rendered
    parsed = parse_html(rendered)
    assert parsed.text.splitlines()[:4] == [
        "#1234 <b>&", "From: A & B <ann@example.com>", "Organization: <i>Org</i>", "📎 2 attachments"]


def test_a_5000_character_excerpt_is_cut_to_fit_one_message():
    excerpt = ("Tom & Jerry <3 " * 400)[:5000]
    header = EN.t("assigned-to-you", dispatcher="Dana")
    footer = EN.t("card-assigned", dispatcher="Dana", assignee="Sam", time="09:05")
    rendered = EN.card(card(excerpt=excerpt), header=header, footer=footer)
    parsed = parse_html(rendered)
    assert utf16_len(parsed.text) == MESSAGE_LIMIT  # full, not one unit over
    assert visible_length(rendered) == MESSAGE_LIMIT
    assert parsed.text.endswith("…\n✅ Assigned by Dana to Sam at 09:05.")
    assert "&amp;" in rendered and "&amp" not in rendered.replace("&amp;", "")


def test_emoji_count_twice_against_the_limit():
    rendered = RU.card(card(excerpt="🔥" * 5000, subject="🔥" * 1000))
    text = parse_html(rendered).text
    assert utf16_len(text) in (MESSAGE_LIMIT - 1, MESSAGE_LIMIT)  # an emoji does not fit in one unit
    assert text.startswith("#1234 " + "🔥" * 149 + "…\n")  # 149 × 2 units + "…" within 300
    assert text.endswith("🔥…")


def test_a_card_without_text_or_organization():
    rendered = RU.card(card(excerpt="  \n", organization=None, attachments=0, customer_name="",
                            subject=""))
    assert parse_html(rendered).text == "#1234 (без темы)\nОт: ann@example.com\nВ письме нет текста."


def test_cut_counts_utf16_and_marks_the_cut():
    assert cut("short", 10) == "short"
    assert cut("abcdefghij", 5) == "abcd…"
    assert cut("ab 🔥🔥", 5) == "ab…"  # the emoji takes two units, and the space goes
    assert cut("🔥" * 10, 5) == "🔥🔥…"
    assert cut("🔥" * 10, 4) == "🔥…"
    assert cut("anything", 0) == ""


def test_alerts_are_plain_and_short():
    alert = EN.alert("alert-already-assigned", who="A & B", whom="x" * 300)
    assert alert.startswith("Already assigned by A & B to xxx")
    assert utf16_len(alert) <= ALERT_LIMIT and alert.endswith("…")
    assert RU.plain("button-no-charge") == "Без оплаты"


def test_safe_values_are_not_escaped_twice():
    status = EN.t("status-in_progress")
    assert EN.t("my-line", number=3, subject="a<b", status=status) == \
        "/ticket_3 a&lt;b · in progress"
    assert EN.t("card-taken", assignee=Safe("<i>Sam</i>")) == "🛠 <i>Sam</i> is working on it."


# Digests ---------------------------------------------------------------------

@pytest.mark.parametrize("texts", [EN, RU])
def test_a_burst_of_300_is_listed_in_digests_within_the_limit(texts):
    tickets = [WaitingTicket(n, HOSTILE * 20, "Зоя <zoya@example.com>" * 5, NOW) for n in range(1, 301)]
    plan = plan_announcements(tickets, 20, measure=texts.line_length, styles=len(DIGEST_STYLES))
    digests = [a.digest for a in plan if a.digest]
    assert len(plan) == len(digests) <= 18
    total = sum(len(d.tickets) for d in digests)
    assert total == 300
    for digest in digests:
        rendered = texts.digest(digest, total=total)
        parsed = parse_html(rendered)
        assert utf16_len(parsed.text) <= MESSAGE_LIMIT
        assert parsed.text.count("/ticket_") == len(digest.tickets)
    first = texts.digest(digests[0], total=total).splitlines()
    assert first[1].startswith(f"/ticket_{digests[0].tickets[0].number} &lt;b&gt;&amp;amp;")


def test_digest_lines_with_ages():
    tickets = [WaitingTicket(7, "Printer", "Ann", NOW - timedelta(minutes=65))]
    reminder = group_for_reminder(tickets, NOW, max_cards=0)
    rendered = EN.digest(reminder.digests[0], total=1, waiting=True, ages=reminder.ages)
    assert rendered == "⏰ <b>1 ticket is waiting</b>\n/ticket_7 Printer · Ann · 1 h 5 min"


@pytest.mark.parametrize("texts", [EN, RU])
def test_a_burst_of_2000_fits_18_messages_with_compact_lines(texts):
    tickets = [WaitingTicket(n, "Cannot print the invoices", "Anna Karenina", NOW) for n in range(1000, 3000)]
    plan = plan_announcements(tickets, 20, measure=texts.line_length, styles=len(DIGEST_STYLES))
    assert len(plan) <= 18 and all(a.digest and not a.digest.more for a in plan)
    assert sum(len(a.digest.tickets) for a in plan) == 2000
    rendered = texts.digest(plan[0].digest, total=2000)
    assert rendered.splitlines()[1] == "/ticket_1000 Cannot print th…"
    few = plan_announcements(tickets[:1500], 20, measure=texts.line_length, styles=len(DIGEST_STYLES))
    assert texts.digest(few[0].digest, total=1500).splitlines()[1] == "/ticket_1000 Cannot print the… · Anna Ka…"
    assert all(utf16_len(parse_html(texts.digest(a.digest, total=2000)).text) <= MESSAGE_LIMIT for a in plan)


def test_a_digest_that_cannot_list_everything_says_how_many_more():
    tickets = [WaitingTicket(n, "Printer", "Ann", NOW) for n in range(1, 4)]
    rendered = RU.digest(Digest(tuple(tickets), 2, 2, more=41), total=44, waiting=True)
    assert rendered.splitlines()[0] == "⏰ <b>44 тикета ждут назначения</b> (часть 2 из 2)"
    assert rendered.splitlines()[-1] == "…и ещё 41"


@pytest.mark.parametrize("texts, line", [(EN, "↩️ Follows #7, closed earlier."),
                                         (RU, "↩️ Продолжение #7, закрытого ранее.")])
def test_a_follow_up_ticket_names_the_closed_one(texts, line):
    card = texts.card(TicketCard(number=9, subject="Again", customer_name="Ann", customer_address="ann@x.test",
                                 organization=None, excerpt="It broke again.", attachments=0, follows=7))
    assert line in card.splitlines()


def test_months_read_as_people_say_them():
    assert Texts("en").month("2026-11") == "November 2026"
    assert Texts("ru").month("2027-01") == "январь 2027"
    assert Texts("ru").month("2026-12") == "декабрь 2026"
