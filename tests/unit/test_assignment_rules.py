"""Who of a department gets a ticket: round robin, least loaded, caps, availability (dispatch/assignment_rules.py)."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from deskbot.dispatch.assignment_rules import (
    AWAY, OFF_HOURS, ON_LEAVE, Candidate, absence, away_until, choose, parse_leave, take_deadline,
)
from deskbot.dispatch.calendar import Calendar, build

MOSCOW = ZoneInfo("Europe/Moscow")
OFFICE = build(MOSCOW, {day: "09:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")})
MONDAY_NOON = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # 12:00 in Moscow
ANN, BOB, CAT = Candidate(1, "Ann"), Candidate(2, "Bob"), Candidate(3, "Cat")


def picked(*args, **kwargs) -> str | None:
    choice = choose(*args, **kwargs)
    return choice.person.name if choice.person else None


def test_round_robin_goes_in_turn_and_wraps_round():
    people = [CAT, ANN, BOB]  # the order given does not matter: staff ids do
    assert picked("round_robin", people, None) == "Ann"
    assert picked("round_robin", people, 1) == "Bob"
    assert picked("round_robin", people, 2) == "Cat"
    assert picked("round_robin", people, 3) == "Ann"
    assert choose("round_robin", people, 3).reason == "round robin"


def test_round_robin_continues_after_someone_who_left():
    assert picked("round_robin", [ANN, CAT], 2) == "Cat"  # Bob (2) left the department
    assert picked("round_robin", [ANN, CAT], 7) == "Ann"


def test_round_robin_skips_who_is_not_available():
    people = [ANN, Candidate(2, "Bob", absent=AWAY), Candidate(3, "Cat", absent=ON_LEAVE)]
    assert picked("round_robin", people, 1) == "Ann"


def test_least_loaded_takes_the_fewest_open_tickets():
    people = [Candidate(1, "Ann", 3), Candidate(2, "Bob", 1), Candidate(3, "Cat", 2)]
    choice = choose("least_loaded", people, None)
    assert (choice.person.name, choice.reason) == ("Bob", "fewest open tickets (1)")


def test_least_loaded_breaks_a_tie_in_turn():
    people = [Candidate(1, "Ann", 1), Candidate(2, "Bob", 4), Candidate(3, "Cat", 1)]
    assert picked("least_loaded", people, None) == "Ann"
    assert picked("least_loaded", people, 1) == "Cat"  # Ann had the last one
    assert picked("least_loaded", people, 3) == "Ann"


def test_a_cap_leaves_out_who_has_enough():
    people = [Candidate(1, "Ann", 2), Candidate(2, "Bob", 3)]
    assert picked("least_loaded", people, None, max_open=3) == "Ann"
    assert picked("round_robin", people, 1, max_open=3) == "Ann"  # the cap holds in round robin too
    choice = choose("least_loaded", [Candidate(1, "Ann", 3), Candidate(2, "Bob", 5)], None, max_open=3)
    assert choice.person is None
    assert choice.reason == "nobody available: Ann has 3 open (cap 3), Bob has 5 open (cap 3)"


def test_nobody_available_says_why_for_each_person():
    people = [Candidate(2, "Bob", absent=AWAY), Candidate(1, "Ann", absent=OFF_HOURS), Candidate(3, "Cat")]
    choice = choose("round_robin", people, None, tried=frozenset({3}))
    assert choice.person is None
    assert choice.reason == ("nobody available: Ann outside working hours, Bob away, Cat did not take it")
    assert choose("least_loaded", [], None).reason == "nobody available: the department has nobody"


def test_tried_people_are_skipped():
    assert picked("round_robin", [ANN, BOB, CAT], 1, tried=frozenset({2})) == "Cat"


def test_manual_is_no_automatic_choice():
    with pytest.raises(ValueError):
        choose("manual", [ANN], None)


def test_absence_away_leave_and_hours():
    assert absence(MONDAY_NOON, OFFICE) is None
    assert absence(MONDAY_NOON, OFFICE, away_since=MONDAY_NOON - timedelta(hours=1)) == AWAY
    assert absence(MONDAY_NOON, OFFICE, away_since=MONDAY_NOON - timedelta(days=2),
                   away_until=MONDAY_NOON - timedelta(seconds=1)) is None  # over by itself
    assert absence(MONDAY_NOON, OFFICE, away_since=MONDAY_NOON, away_until=MONDAY_NOON + timedelta(hours=1)) == AWAY
    assert absence(MONDAY_NOON, OFFICE, [(date(2026, 3, 1), date(2026, 3, 2))]) == ON_LEAVE
    assert absence(MONDAY_NOON, OFFICE, [(date(2026, 3, 3), date(2026, 3, 3))]) is None
    assert absence(MONDAY_NOON + timedelta(hours=7), OFFICE) == OFF_HOURS  # 19:00 in Moscow
    assert absence(datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc), OFFICE) == OFF_HOURS  # Sunday
    assert absence(MONDAY_NOON + timedelta(hours=7), Calendar.always(MOSCOW)) is None


def test_leave_is_read_in_the_persons_zone():
    # 23:30 UTC on Sunday is already Monday 02:30 in Moscow: Monday's leave counts.
    late_sunday = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)
    assert absence(late_sunday, Calendar.always(MOSCOW), [(date(2026, 3, 2), date(2026, 3, 2))]) == ON_LEAVE


@pytest.mark.parametrize("text, expected", [
    ("2027-01-15", (date(2027, 1, 15), date(2027, 1, 15))),
    ("2026-12-20..2026-12-31", (date(2026, 12, 20), date(2026, 12, 31))),
    (" 2026-12-20 .. 2026-12-31 ", (date(2026, 12, 20), date(2026, 12, 31))),
    (date(2027, 1, 2), (date(2027, 1, 2), date(2027, 1, 2))),
])
def test_leave_dates(text, expected):
    assert parse_leave(text) == expected


@pytest.mark.parametrize("text", ["2026-12-31..2026-12-20", "next week", "2026-02-30", "2026-12-20..", ""])
def test_leave_mistakes(text):
    with pytest.raises(ValueError):
        parse_leave(text)


def test_away_until():
    assert away_until("", MONDAY_NOON, MOSCOW) is None
    assert away_until("3d", MONDAY_NOON, MOSCOW) == MONDAY_NOON + timedelta(days=3)
    assert away_until("4h 30m", MONDAY_NOON, MOSCOW) == MONDAY_NOON + timedelta(hours=4, minutes=30)
    # Through the 5th: back at midnight Moscow time, 21:00 UTC on the 5th.
    assert away_until("2026-03-05", MONDAY_NOON, MOSCOW) == datetime(2026, 3, 5, 21, 0, tzinfo=timezone.utc)
    for wrong in ("tomorrow", "2026-03-01", "2026-13-01", "0m"):
        with pytest.raises(ValueError):
            away_until(wrong, MONDAY_NOON, MOSCOW)


def test_take_deadline_counts_working_time():
    assert take_deadline(MONDAY_NOON, None, OFFICE) is None
    assert take_deadline(MONDAY_NOON, timedelta(minutes=30), OFFICE) == MONDAY_NOON + timedelta(minutes=30)
    friday_1750 = datetime(2026, 3, 6, 14, 50, tzinfo=timezone.utc)  # 17:50 in Moscow
    assert take_deadline(friday_1750, timedelta(minutes=30), OFFICE) == datetime(2026, 3, 9, 6, 20, tzinfo=timezone.utc)
