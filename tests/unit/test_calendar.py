import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from deskbot.dispatch.calendar import Calendar, HoursError, Window, build, parse_hours

BERLIN = ZoneInfo("Europe/Berlin")
MOSCOW = ZoneInfo("Europe/Moscow")
OFFICE = {"mon": "09:00-18:00", "tue": "09:00-18:00", "wed": "09:00-18:00", "thu": "09:00-18:00",
          "fri": "09:00-18:00"}


def local(zone, *parts):
    return datetime(*parts, tzinfo=zone)


def test_hours_read_as_windows():
    assert parse_hours("09:00-13:00, 14:00-18:00") == (Window(540, 780), Window(840, 1080))
    assert parse_hours("") == ()
    assert parse_hours("00:00-24:00") == (Window(0, 1440),)
    assert parse_hours("22:00-06:00") == (Window(1320, 1800),)  # past midnight


@pytest.mark.parametrize("text, words", [
    ("9-18", "not a window"), ("25:00-26:00", "not a time of day"), ("09:00-09:00", "empty"),
    ("09:00-13:00, 12:00-18:00", "overlap"), ("24:30-01:00", "not a time of day"),
])
def test_unreadable_hours_say_why(text, words):
    with pytest.raises(HoursError, match=words):
        parse_hours(text)


def test_open_inside_windows_closed_outside_and_on_weekends():
    office = build(MOSCOW, OFFICE)
    assert office.is_open(local(MOSCOW, 2026, 12, 7, 9, 0))  # Monday, the first minute
    assert not office.is_open(local(MOSCOW, 2026, 12, 7, 18, 0))  # the end is not inside
    assert not office.is_open(local(MOSCOW, 2026, 12, 5, 12, 0))  # Saturday
    assert office.is_open(datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc))  # 09:00 in Moscow


def test_next_open_and_business_time_across_a_weekend():
    office = build(MOSCOW, OFFICE)
    friday = local(MOSCOW, 2026, 12, 4, 17, 0)
    assert office.next_open(friday) == friday
    assert office.next_open(local(MOSCOW, 2026, 12, 4, 19, 0)) == local(MOSCOW, 2026, 12, 7, 9, 0)
    assert office.add(friday, timedelta(hours=2)) == local(MOSCOW, 2026, 12, 7, 10, 0)
    assert office.open_between(friday, local(MOSCOW, 2026, 12, 7, 10, 0)) == timedelta(hours=2)
    assert office.open_between(local(MOSCOW, 2026, 12, 7, 10, 0), friday) == timedelta()


def test_holidays_are_days_off():
    office = build(MOSCOW, OFFICE, holidays=[date(2026, 12, 7)])
    assert not office.is_open(local(MOSCOW, 2026, 12, 7, 12, 0))
    assert office.add(local(MOSCOW, 2026, 12, 4, 17, 0), timedelta(hours=2)) == local(MOSCOW, 2026, 12, 8, 10, 0)


def test_a_window_past_midnight_belongs_to_the_day_it_starts():
    nights = build(MOSCOW, {"mon": "22:00-06:00"}, holidays=[date(2026, 12, 14)])
    assert nights.is_open(local(MOSCOW, 2026, 12, 8, 3, 0))  # Tuesday night, Monday's shift
    assert not nights.is_open(local(MOSCOW, 2026, 12, 7, 21, 59))
    assert not nights.is_open(local(MOSCOW, 2026, 12, 9, 3, 0))
    assert not nights.is_open(local(MOSCOW, 2026, 12, 15, 3, 0))  # the shift of a holiday Monday
    assert nights.add(local(MOSCOW, 2026, 12, 7, 23, 0), timedelta(hours=8)) == local(MOSCOW, 2026, 12, 21, 23, 0)


def test_windows_that_meet_at_midnight_are_one_period():
    shifts = build(MOSCOW, {"mon": "18:00-24:00", "tue": "00:00-06:00"})
    start = local(MOSCOW, 2026, 12, 7, 23, 0)
    assert shifts.add(start, timedelta(hours=2)) == local(MOSCOW, 2026, 12, 8, 1, 0)
    assert shifts.open_between(local(MOSCOW, 2026, 12, 7, 0, 0), local(MOSCOW, 2026, 12, 9, 0, 0)) == timedelta(hours=12)


def test_overlapping_days_are_not_counted_twice():
    shifts = build(MOSCOW, {"mon": "22:00-06:00", "tue": "05:00-08:00"})
    day_span = shifts.open_between(local(MOSCOW, 2026, 12, 7, 0, 0), local(MOSCOW, 2026, 12, 9, 0, 0))
    assert day_span == timedelta(hours=10)


def test_daylight_saving_days_follow_the_wall_clock():
    always = Calendar.always(BERLIN)
    # 2027-03-28: clocks go forward (a 23-hour day); 2026-10-25: back (25 hours).
    assert always.open_between(local(BERLIN, 2027, 3, 28), local(BERLIN, 2027, 3, 29)) == timedelta(hours=23)
    assert always.open_between(local(BERLIN, 2026, 10, 25), local(BERLIN, 2026, 10, 26)) == timedelta(hours=25)
    early = build(BERLIN, {"sun": "01:00-04:00"})
    assert early.open_between(local(BERLIN, 2027, 3, 28), local(BERLIN, 2027, 3, 29)) == timedelta(hours=2)
    assert early.open_between(local(BERLIN, 2026, 10, 25), local(BERLIN, 2026, 10, 26)) == timedelta(hours=4)
    office = build(BERLIN, {"sun": "09:00-18:00"})
    assert office.add(local(BERLIN, 2027, 3, 28, 9, 0), timedelta(hours=9)) == local(BERLIN, 2027, 3, 28, 18, 0)


def test_round_the_clock_is_plain_time():
    always = Calendar.always(MOSCOW)
    start = local(MOSCOW, 2026, 12, 3, 10, 30)
    assert always.round_the_clock
    assert always.add(start, timedelta(days=30)) == start + timedelta(days=30)
    assert always.open_between(start, start + timedelta(days=20, minutes=7)) == timedelta(days=20, minutes=7)


def test_add_and_open_between_agree():
    office = build(MOSCOW, {**OFFICE, "sat": "10:00-14:00", "sun": "23:00-01:00"}, holidays=[date(2026, 12, 31)])
    pick = random.Random(7)
    for _ in range(300):
        start = local(MOSCOW, 2026, 12, 1) + timedelta(minutes=pick.randrange(60 * 24 * 60))
        amount = timedelta(minutes=pick.randrange(1, 60 * 60))
        end = office.add(start, amount)
        assert office.open_between(start, end) == amount
        assert office.is_open(end - timedelta(minutes=1))


def test_a_calendar_without_hours_is_refused():
    with pytest.raises(HoursError, match="no working hours"):
        build(MOSCOW, {})
    every_day = [date(2026, 12, 1) + timedelta(days=n) for n in range(800)]
    closed = build(MOSCOW, OFFICE, holidays=every_day)
    with pytest.raises(HoursError, match="within a year"):
        closed.next_open(local(MOSCOW, 2026, 12, 3))


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="naive"):
        Calendar.always(MOSCOW).is_open(datetime(2026, 12, 3, 12, 0))
