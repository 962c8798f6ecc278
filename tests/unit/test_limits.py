"""Telegram's limits on our side: sliding windows, 429 holds, the outage backoff, message length."""
import pytest

from deskbot.bot.limits import FloodControl, Limits, backoff, fit_text

PRIVATE, OTHER, GROUP = 1001, 1002, -100


class Time:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def time() -> Time:
    return Time()


def control(time: Time, **limits) -> FloodControl:
    return FloodControl(Limits(margin=0.0, **limits), now=time)


def send_all_now(flood: FloodControl, chat: int) -> int:
    """How many messages may go to `chat` right now, spending each."""
    sent = 0
    while flood.delay(chat) == 0 and sent < 1000:
        flood.spend(chat)
        sent += 1
    return sent


def test_one_message_a_second_in_a_private_chat(time):
    flood = control(time)
    assert flood.delay(PRIVATE) == 0
    flood.spend(PRIVATE)
    assert flood.delay(PRIVATE) == pytest.approx(1.0)
    assert flood.delay(OTHER) == 0  # another chat is not held back
    time.now += 0.5
    assert flood.delay(PRIVATE) == pytest.approx(0.5)
    time.now += 0.5
    assert flood.delay(PRIVATE) == 0


def test_twenty_a_minute_in_a_group(time):
    flood = control(time)
    for _ in range(20):
        assert flood.delay(GROUP) == 0
        flood.spend(GROUP)
        time.now += 1.0
    # 20 sent in the last 20 seconds: the 21st waits until the first leaves the minute.
    assert flood.delay(GROUP) == pytest.approx(40.0)
    time.now += 40.0
    assert send_all_now(flood, GROUP) == 1


def test_thirty_a_second_overall(time):
    flood = control(time, per_chat=None)
    sent = sum(send_all_now(flood, chat) for chat in range(1, 100))
    assert sent == 30
    assert flood.delay(500) == pytest.approx(1.0)


def test_margin_makes_windows_free_a_little_late(time):
    flood = FloodControl(Limits(margin=0.05), now=time)
    flood.spend(PRIVATE)
    time.now += 1.0
    assert flood.delay(PRIVATE) == pytest.approx(0.05)


def test_limits_can_be_turned_off(time):
    flood = control(time, overall=None, per_chat=None, per_group=None)
    assert send_all_now(flood, GROUP) == 1000


def test_a_429_holds_the_chat_for_retry_after(time):
    flood = control(time)
    assert flood.hold(PRIVATE, 7) is False
    assert flood.delay(PRIVATE) == pytest.approx(7.0)
    assert flood.delay(OTHER) == 0
    time.now += 7.0
    assert flood.delay(PRIVATE) == 0


def test_a_second_chat_refused_while_the_first_waits_holds_the_whole_bot(time):
    flood = control(time)
    flood.hold(PRIVATE, 5)
    time.now += 1.0
    assert flood.hold(OTHER, 10) is True
    assert flood.delay(GROUP) == pytest.approx(10.0)
    assert flood.delay(PRIVATE) == pytest.approx(10.0)


def test_a_429_after_the_earlier_wait_ended_is_the_chats_own(time):
    flood = control(time)
    flood.hold(PRIVATE, 5)
    time.now += 6.0
    assert flood.hold(OTHER, 3) is False
    assert flood.delay(GROUP) == 0


def test_hold_all_stops_every_chat(time):
    flood = control(time)
    flood.hold_all(4.0)
    assert flood.delay(PRIVATE) == pytest.approx(4.0)
    assert flood.delay(GROUP) == pytest.approx(4.0)
    flood.hold_all(1.0)  # a shorter hold never shortens a longer one
    assert flood.delay(GROUP) == pytest.approx(4.0)


def test_idle_chats_are_forgotten(time):
    flood = control(time, overall=None)
    for chat in range(1, 1100):
        flood.spend(chat)
    time.now += 2.0
    flood.spend(5000)
    assert len(flood._chats) <= 2


def test_backoff_doubles_up_to_five_minutes():
    assert [backoff(n, jitter=0.999999) for n in (1, 2, 3, 4)] == pytest.approx([1, 2, 4, 8], rel=1e-3)
    assert backoff(9, jitter=0.999999) == pytest.approx(256, rel=1e-3)
    assert backoff(10, jitter=0.999999) == pytest.approx(300, rel=1e-3)
    assert backoff(10_000, jitter=0.0) == 150  # forever, without overflowing


def test_backoff_jitter_keeps_at_least_half():
    assert backoff(3, jitter=0.0) == 2.0
    assert 2.0 <= backoff(3, jitter=0.5) <= 4.0


def test_a_text_that_fits_is_left_alone():
    assert fit_text("x" * 4096, None) is None
    assert fit_text("<b>" + "&amp;" * 4096 + "</b>", "HTML") is None  # counted as Telegram shows it
    assert fit_text("😀" * 2048, None) is None  # an emoji is two UTF-16 units


def test_a_long_text_is_cut_to_4096_shown_characters():
    text, mode = fit_text("😀" * 2049, None)
    assert mode is None and text.endswith("…") and len(text.encode("utf-16-le")) // 2 <= 4096


def test_long_html_is_cut_as_escaped_plain_text():
    text, mode = fit_text("<b>" + "&lt;" * 5000 + "</b>", "HTML")
    assert mode == "HTML"
    assert text == "&lt;" * 4095 + "…"  # no half tag, no half entity


def test_long_markdown_loses_its_parse_mode():
    assert fit_text("*" * 5000, "MarkdownV2") == ("*" * 4095 + "…", None)
