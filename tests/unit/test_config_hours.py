from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from deskbot.dispatch.config import ConfigError, load_config
from deskbot.dispatch.config_hours import ical_holidays

MINIMAL = '[mailbox]\nhost = "imap.test"\nusername = "support@desk.test"\n'
MOSCOW = ZoneInfo("Europe/Moscow")
ICAL = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//desk//holidays//EN\r
BEGIN:VEVENT\r
UID:new-year@desk\r
DTSTART;VALUE=DATE:20270101\r
DTEND;VALUE=DATE:20270103\r
SUMMARY:New Year\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:victory@desk\r
DTSTART;VALUE=DATE:20260509\r
RRULE:FREQ=YEARLY\r
SUMMARY:Victory Day\r
END:VEVENT\r
END:VCALENDAR\r
"""


def load(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL + text, encoding="utf-8")
    return load_config(path, environ={})


def test_without_a_calendar_the_desk_is_always_open(tmp_path):
    assert load(tmp_path, "").business_hours().round_the_clock


def test_weekdays_stand_for_monday_to_friday(tmp_path):
    config = load(tmp_path, '[calendar]\nweekdays = "09:00-18:00"\nfri = "09:00-16:00"\n'
                            'holidays = [2026-12-31, "2027-01-07"]\n')
    desk = config.business_hours()
    assert desk.is_open(datetime(2026, 12, 7, 17, 0, tzinfo=MOSCOW))  # Monday
    assert not desk.is_open(datetime(2026, 12, 4, 17, 0, tzinfo=MOSCOW))  # Friday ends at 16:00
    assert not desk.is_open(datetime(2026, 12, 5, 12, 0, tzinfo=MOSCOW))  # Saturday: not given, off
    assert not desk.is_open(datetime(2027, 1, 7, 12, 0, tzinfo=MOSCOW))


def test_named_calendars_have_their_own_zone(tmp_path):
    config = load(tmp_path, '[calendars.vladivostok]\ntimezone = "Asia/Vladivostok"\nweekdays = "09:00-18:00"\n')
    far_east = config.business_hours("vladivostok")
    assert far_east.is_open(datetime(2026, 12, 7, 9, 30, tzinfo=ZoneInfo("Asia/Vladivostok")))
    assert not far_east.is_open(datetime(2026, 12, 7, 12, 0, tzinfo=MOSCOW))  # 19:00 there


def test_holidays_from_an_ical_file(tmp_path):
    (tmp_path / "holidays.ics").write_bytes(ICAL)
    config = load(tmp_path, '[calendar]\nholidays_file = "holidays.ics"\n')
    assert not config.business_hours().is_open(datetime(2027, 1, 2, 12, 0, tzinfo=MOSCOW))
    assert not config.business_hours().is_open(datetime(2031, 5, 9, 12, 0, tzinfo=MOSCOW))  # repeats yearly
    assert config.business_hours().is_open(datetime(2027, 1, 3, 12, 0, tzinfo=MOSCOW))  # DTEND is exclusive


def test_ical_days_of_timed_and_repeating_events():
    days = ical_holidays(ICAL)
    assert {date(2027, 1, 1), date(2027, 1, 2), date(2026, 5, 9), date(2040, 5, 9)} <= days
    assert date(2027, 1, 3) not in days


@pytest.mark.parametrize("text, line", [
    ('[calendar]\nmon = "9 to 5"\n', "[calendar] mon: '9 to 5' is not a window like 09:00-18:00"),
    ('[calendar]\nmon = ""\nsat = ""\n', "[calendar]: no working hours on any day"),
    ('[calendar]\ntimezone = "Mars/Olympus"\n', "[calendar] timezone: unknown time zone 'Mars/Olympus'"),
    ('[calendar]\nholidays_file = "missing.ics"\n', "[calendar]: holidays_file"),
    ('[calendars.night]\nmon = "22:00-06:00"\ntue = "09:00-13:00, 12:00-18:00"\n',
     "[calendars] night.tue: windows overlap"),
    ('[calendar]\nholidays = ["31.12.2026"]\n', "[calendar] holidays.0:"),
])
def test_mistakes_are_one_line(tmp_path, text, line):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert line in message and "\n" not in message


def test_a_file_that_is_not_ical_is_refused_in_words(tmp_path):
    (tmp_path / "holidays.ics").write_text("these are not holidays", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a readable iCal file"):
        load(tmp_path, '[calendar]\nholidays_file = "holidays.ics"\n')
