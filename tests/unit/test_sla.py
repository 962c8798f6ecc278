"""The SLA clock with a frozen clock: business time, pauses, holidays, DST, windows past midnight."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from deskbot.dispatch.calendar import Calendar, build
from deskbot.dispatch.sla import (
    BREACH, FIRST_RESPONSE, RESOLUTION, WARNING, State, Targets, alerts_due, figures, timeline,
)

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {"weekdays": "09:00-18:00"}
H = timedelta(hours=1)


def office(zone=MOSCOW, holidays=()) -> Calendar:
    return build(zone, {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}, holidays)


def at(day, hour, minute=0, zone=MOSCOW):
    return datetime(2026, 12, day, hour, minute, tzinfo=zone)


TARGETS = Targets(first_response=4 * H, resolution=27 * H, warn_at=0.8)


def test_the_clock_counts_business_hours_only():
    line = timeline(at(4, 16), [])  # Friday 16:00: two hours today, the rest on Monday
    found = figures(line, office(), TARGETS, at(7, 10))
    response = found[FIRST_RESPONSE]
    assert response.elapsed == 3 * H and response.state == State.RUNNING
    assert response.due == at(7, 11) and response.warn == at(7, 10, 12)
    assert figures(line, office(), TARGETS, at(7, 10, 30))[FIRST_RESPONSE].state == State.WARNING
    assert figures(line, office(), TARGETS, at(7, 11))[FIRST_RESPONSE].state == State.BREACHED
    assert figures(line, office(), TARGETS, at(5, 12))[FIRST_RESPONSE].elapsed == 2 * H  # Saturday counts nothing


def test_an_answer_in_time_meets_the_first_response_and_stops_its_clock():
    line = timeline(at(7, 9), [("answered", at(7, 12))])
    found = figures(line, office(), TARGETS, at(8, 17))
    assert found[FIRST_RESPONSE].state == State.MET and found[FIRST_RESPONSE].elapsed == 3 * H
    assert found[FIRST_RESPONSE].done == at(7, 12)
    assert found[RESOLUTION].state == State.RUNNING  # 17 h of 27 counted: 80 % is 21.6 h
    assert found[RESOLUTION].elapsed == 17 * H


def test_a_late_answer_is_a_breach():
    line = timeline(at(7, 9), [("answered", at(7, 14))])
    found = figures(line, office(), TARGETS, at(9, 9))
    assert found[FIRST_RESPONSE].state == State.BREACHED and found[FIRST_RESPONSE].elapsed == 5 * H


def test_waiting_for_the_customer_pauses_and_their_reply_resumes():
    events = [("answered", at(7, 10)), ("waiting", at(7, 10)), ("resumed", at(9, 15))]
    line = timeline(at(7, 9), events)
    paused = figures(line, office(), TARGETS, at(8, 12))[RESOLUTION]
    assert paused.state == State.PAUSED and paused.elapsed == 1 * H and paused.due is None
    running = figures(line, office(), TARGETS, at(9, 16))[RESOLUTION]
    assert running.elapsed == 2 * H and running.state == State.RUNNING
    assert running.due == at(14, 14)  # 25 h left from Wednesday 15:00: 3 + 9 + 9 + 4 on Monday


def test_a_close_while_waiting_meets_the_resolution_at_the_close():
    events = [("answered", at(7, 10)), ("waiting", at(7, 10)), ("closed", at(11, 10))]
    found = figures(timeline(at(7, 9), events), office(), TARGETS, at(21, 9))
    assert found[RESOLUTION].state == State.MET and found[RESOLUTION].elapsed == 1 * H


def test_a_close_without_an_answer_counts_as_the_response():
    found = figures(timeline(at(7, 9), [("closed", at(7, 10))]), office(), TARGETS, at(7, 11))
    assert found[FIRST_RESPONSE].state == State.MET and found[RESOLUTION].state == State.MET


def test_a_reopened_ticket_runs_on_from_where_it_stopped():
    events = [("answered", at(7, 10)), ("closed", at(7, 12)), ("reopened", at(10, 9))]
    found = figures(timeline(at(7, 9), events), office(), TARGETS, at(10, 11))
    assert found[RESOLUTION].elapsed == 5 * H and found[RESOLUTION].state == State.RUNNING
    assert found[RESOLUTION].done is None


def test_holidays_count_nothing():
    calendar = office(holidays=[date(2026, 12, 7)])  # Monday off
    found = figures(timeline(at(4, 16), []), calendar, TARGETS, at(8, 9))
    assert found[FIRST_RESPONSE].elapsed == 2 * H and found[FIRST_RESPONSE].due == at(8, 11)


def test_a_night_window_across_midnight():
    night = build(MOSCOW, {"mon": "22:00-06:00"})  # Monday 22:00 to Tuesday 06:00
    found = figures(timeline(at(7, 23), []), night, Targets(first_response=4 * H), at(8, 5))
    assert found[FIRST_RESPONSE].elapsed == 6 * H and found[FIRST_RESPONSE].state == State.BREACHED
    assert found[FIRST_RESPONSE].due == at(8, 3)


def test_a_dst_change_makes_the_wall_clock_day_count():
    # Berlin goes to summer time on Sunday 29 March 2026: 02:00 becomes 03:00.
    always = Calendar.always(BERLIN)
    opened = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    found = figures(timeline(opened, []), always, Targets(first_response=4 * H), datetime(2026, 3, 29, 5, 0, tzinfo=BERLIN))
    assert found[FIRST_RESPONSE].elapsed == 4 * H  # five wall-clock hours, four real ones
    assert found[FIRST_RESPONSE].due == datetime(2026, 3, 29, 5, 0, tzinfo=BERLIN)
    office_hours = office(BERLIN)
    friday = datetime(2026, 3, 27, 17, 0, tzinfo=BERLIN)
    due = figures(timeline(friday, []), office_hours, Targets(first_response=2 * H), friday)[FIRST_RESPONSE].due
    assert due == datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN)  # an hour on Friday, one after Monday's opening


def test_a_contract_calendar_differs_from_the_desks():
    round_the_clock = Calendar.always(MOSCOW)
    line = timeline(at(4, 16), [])
    desk = figures(line, office(), TARGETS, at(5, 16))[FIRST_RESPONSE]
    contract = figures(line, round_the_clock, TARGETS, at(5, 16))[FIRST_RESPONSE]
    assert desk.state == State.RUNNING and contract.state == State.BREACHED
    assert contract.due == at(4, 20)


def test_no_targets_no_figures():
    assert figures(timeline(at(7, 9), []), office(), Targets(), at(9, 9)) == {}


def test_alerts_warn_once_then_breach_once_and_say_when_to_look_again():
    line = timeline(at(7, 9), [])
    targets = Targets(first_response=4 * H)
    found = figures(line, office(), targets, at(7, 10))
    assert alerts_due(found, set(), at(7, 10)) == ([], at(7, 12, 12))
    found = figures(line, office(), targets, at(7, 12, 30))
    assert alerts_due(found, set(), at(7, 12, 30)) == ([(FIRST_RESPONSE, WARNING)], at(7, 13))
    assert alerts_due(found, {(FIRST_RESPONSE, WARNING)}, at(7, 12, 30)) == ([], at(7, 13))
    found = figures(line, office(), targets, at(7, 14))
    sent = {(FIRST_RESPONSE, WARNING)}
    assert alerts_due(found, sent, at(7, 14)) == ([(FIRST_RESPONSE, BREACH)], None)
    assert alerts_due(found, sent | {(FIRST_RESPONSE, BREACH)}, at(7, 14)) == ([], None)


def test_a_breach_found_late_skips_the_warning():
    found = figures(timeline(at(7, 9), []), office(), Targets(first_response=4 * H), at(8, 9))
    assert alerts_due(found, set(), at(8, 9)) == ([(FIRST_RESPONSE, BREACH)], None)


def test_nothing_to_watch_while_paused_or_met():
    line = timeline(at(7, 9), [("answered", at(7, 10)), ("waiting", at(7, 10))])
    found = figures(line, office(), TARGETS, at(7, 11))
    assert alerts_due(found, set(), at(7, 11)) == ([], None)
