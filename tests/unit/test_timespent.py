import pytest

from deskbot.dispatch.timespent import MAX_MINUTES, QUICK_MINUTES, TimeSpentError, parse_time_spent


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1h 30m", 90),
        ("1h30m", 90),
        ("1h30", 90),
        ("1:30", 90),
        ("45m", 45),
        ("45 min", 45),
        ("45 mins", 45),
        ("45 minutes", 45),
        ("1.5h", 90),
        ("1,5h", 90),
        ("90", 90),
        ("2h", 120),
        ("2 hours 5 minutes", 125),
        ("  2H  ", 120),
        ("1 ч 30 мин", 90),
        ("1ч30м", 90),
        ("45 мин", 45),
        ("45 мин.", 45),
        ("1,5 ч", 90),
        ("2 часа", 120),
        ("0.25h", 15),
        ("24h", MAX_MINUTES),
        ("0.01h", 1),  # 36 seconds: a minute, not nothing
    ],
)
def test_reads_what_a_specialist_types(text, minutes):
    assert parse_time_spent(text) == minutes


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "h", "m 45", "45 sec", "1d", "1h 2h", "30m 1h", "1m30", "1h 30m 5",
     "1.5.5h", "45 min please", "1e5", "полтора часа", "1h -30m", "90 - 30"],
)
def test_nonsense_is_not_understood(text):
    with pytest.raises(TimeSpentError) as caught:
        parse_time_spent(text)
    assert caught.value.reason == "not_understood"
    assert caught.value.text == text


@pytest.mark.parametrize("text", ["0", "0m", "0h 0m", "0:00", "0.2m"])
def test_zero_is_refused_not_recorded(text):
    with pytest.raises(TimeSpentError) as caught:
        parse_time_spent(text)
    assert caught.value.reason == "zero"


@pytest.mark.parametrize("text", ["-5", "-5m", "−1h"])
def test_negative_is_refused(text):
    with pytest.raises(TimeSpentError) as caught:
        parse_time_spent(text)
    assert caught.value.reason == "negative"


@pytest.mark.parametrize("text", ["24h 1m", "1441", "90h", "25:00", "99999999999999999999h"])
def test_more_than_a_day_is_a_typo(text):
    with pytest.raises(TimeSpentError) as caught:
        parse_time_spent(text)
    assert caught.value.reason == "too_long"


def test_quick_buttons_are_readable_times():
    assert QUICK_MINUTES == (15, 30, 60, 120)
    assert all(0 < minutes <= MAX_MINUTES for minutes in QUICK_MINUTES)
