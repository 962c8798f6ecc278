"""A ticket's conversation in pages: order, marks, and Telegram's limits with hostile text."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from harness.fake_telegram.entities import parse_html

from deskbot.bot.render.callbacks import ConversationV1
from deskbot.bot.render.conversation import MAX_ENTRIES, keyboard, pages, split
from deskbot.bot.render.texts import Texts, utf16_len, visible_length
from deskbot.dispatch.conversation import Entry
from deskbot.dispatch.rules import DIGEST_CHARS

EN = Texts("en")
MOSCOW = ZoneInfo("Europe/Moscow")
AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # 12:00 in Moscow


def entry(body: str, direction: str = "in", who: str = "Ann Lee", minutes: int = 0, auto: bool = False) -> Entry:
    return Entry(direction, who, AT + timedelta(minutes=minutes), body, auto)


def shown(conversation, texts=EN, limit=DIGEST_CHARS) -> list[str]:
    """The pages as Telegram shows them; each must parse and fit."""
    rendered = pages(12, conversation, texts, MOSCOW, limit)
    for page in rendered:
        assert visible_length(page) <= limit
        assert utf16_len(parse_html(page).text) == visible_length(page)  # raises as Telegram would
    return [parse_html(page).text for page in rendered]


def test_a_short_conversation_is_one_page_oldest_first_with_who_and_local_time():
    [page] = shown([entry("It smokes."), entry("Unplug it.", "out", "Sam", 30), entry("Done!", minutes=45)])
    assert page.splitlines() == [
        "💬 #12 · conversation · page 1 of 1 · 3 messages", "",
        "📨 From Ann Lee · 2026-03-02 12:00", "It smokes.", "",
        "📤 Sam to the customer · 2026-03-02 12:30", "Unplug it.", "",
        "📨 From Ann Lee · 2026-03-02 12:45", "Done!"]


def test_notes_are_marked_internal_and_automatic_mail_automatic():
    [page] = shown([entry("Call them.", "note", "Sam"), entry("I am away.", auto=True),
                    entry("Strange kind", "draft", "Pat")])
    assert "🔒 Internal note — Sam · 2026-03-02 12:00\nCall them." in page
    assert "📨 From Ann Lee · 2026-03-02 12:00 · 🤖 automatic mail\nI am away." in page
    assert "🔒 Internal note — Pat" in page  # an unknown kind is never shown as mail


def test_a_long_mail_spans_pages_and_nothing_is_lost_or_repeated():
    words = [f"word{n}" for n in range(2500)]  # about 20,000 characters
    texts = shown([entry(" ".join(words)), entry("Thanks", "out", "Sam")])
    assert len(texts) == 6 and texts[0].startswith("💬 #12 · conversation · page 1 of 6 · 2 messages")
    assert all("(continued)" in page for page in texts[1:])
    bodies = [page.split("\n", 3)[3] for page in texts]  # below the page header and the entry's header
    assert " ".join(bodies).split()[:2500] == words  # cut between words, in order
    assert texts[-1].endswith("📤 Sam to the customer · 2026-03-02 12:00\nThanks")


@pytest.mark.parametrize("unit", ["<b>&amp;</b> & ", "😀🔥 ", "&lt;" * 40 + "\n", "Привет, <мир>! "])
def test_pages_fit_with_emoji_and_html_characters(unit):
    body = unit * (12_000 // len(unit))
    texts = shown([entry(body, who="<b>Eve & Co</b>"), entry("<i>note</i> & more", "note", "Sam & <Pat>")])
    assert len(texts) >= 3
    joined = "".join(page.split("\n", 3)[3] for page in texts[:-1])
    assert joined.replace("\n", "").replace(" ", "") in body.replace("\n", "").replace(" ", "")
    assert "From <b>Eve & Co</b>" in texts[0]  # shown as typed, never as markup
    assert "🔒 Internal note — Sam & <Pat>" in texts[-1] and "<i>note</i> & more" in texts[-1]


def test_a_message_that_fits_a_page_is_not_split_but_moves_to_the_next():
    first, second = "a" * 2000, "b" * 2500
    texts = shown([entry(first), entry(second)])
    assert len(texts) == 2 and first in texts[0] and second in texts[1] and "(continued)" not in "".join(texts)


def test_a_page_holds_a_bounded_number_of_messages():
    texts = shown([entry(f"ok {n}", minutes=n) for n in range(MAX_ENTRIES + 5)])
    assert [page.count("📨") for page in texts] == [MAX_ENTRIES, 5]


def test_an_empty_ticket_and_an_empty_message_still_show_a_page():
    assert shown([])[0].endswith("No messages on this ticket.")
    assert shown([entry("  ")])[0].endswith("📨 From Ann Lee · 2026-03-02 12:00\n(no text)")


def test_russian_pages_count_messages_in_russian():
    [page] = shown([entry("Привет")] * 3, texts=Texts("ru"))
    assert page.startswith("💬 #12 · переписка · стр. 1 из 1 · 3 сообщения")


def test_split_never_exceeds_the_room_and_prefers_line_ends():
    assert split("abc", 10) == ("abc", "")
    assert split("first line\nsecond line", 15) == ("first line", "second line")
    piece, rest = split("😀" * 10, 7)  # two units each: three fit, never half of one
    assert (piece, rest) == ("😀" * 3, "😀" * 7)
    assert split("x" * 20, 8) == ("x" * 8, "x" * 12)


def test_buttons_step_and_jump_between_pages():
    def labelled(at, total):
        markup = keyboard(12, at, total, EN)
        return [] if markup is None else [(b.text, ConversationV1.unpack(b.callback_data).page)
                                         for row in markup.inline_keyboard for b in row]
    assert labelled(1, 1) == []
    assert labelled(2, 2) == [("◀ Older", 1)]
    assert labelled(5, 5) == [("◀ Older", 4), ("⏮ First", 1)]
    assert labelled(3, 5) == [("◀ Older", 2), ("Newer ▶", 4), ("⏮ First", 1), ("Latest ⏭", 5)]
    assert labelled(1, 3) == [("Newer ▶", 2), ("Latest ⏭", 3)]
