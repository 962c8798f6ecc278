"""[calendar] and [calendars.KEY]: the desk's business hours, and named ones for contracts and people.

A calendar section names working hours per weekday ("09:00-18:00", "" for a day off; `weekdays`
stands for Monday to Friday), holidays as dates and/or an iCal file. A section that names no day
at all works round the clock (its holidays still count): without [calendar] the desk is always open,
as it was before calendars existed.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator

from deskbot.dispatch.calendar import WEEKDAYS, Calendar, HoursError, build, parse_hours

# An iCal RRULE without an end repeats forever; holidays this far ahead are enough for any SLA.
_ICAL_YEARS = 30


def known_zone(value: str) -> str:
    """A time zone name as the config gives it, checked (a validator's ValueError in words)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


class CalendarConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = ""  # "": [dispatch] timezone
    weekdays: str | None = None  # Monday to Friday, where the day itself is not given
    mon: str | None = None
    tue: str | None = None
    wed: str | None = None
    thu: str | None = None
    fri: str | None = None
    sat: str | None = None
    sun: str | None = None
    holidays: list[date] = []
    holidays_file: str = ""  # an iCal (.ics) file, relative to the config file's folder

    @field_validator("weekdays", *WEEKDAYS)
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_hours(value)
            except HoursError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value) if value else value

    def hours(self) -> dict[str, str]:
        given = {day: getattr(self, day) for day in WEEKDAYS}
        if self.weekdays is None and all(value is None for value in given.values()):
            return {day: "00:00-24:00" for day in WEEKDAYS}
        for day in WEEKDAYS[:5]:
            if given[day] is None:
                given[day] = self.weekdays
        return {day: value or "" for day, value in given.items()}

    def calendar(self, default_zone: str, folder: Path) -> Calendar:
        """Raises HoursError (in words) when the hours or the holidays file cannot be used."""
        holidays = set(self.holidays)
        if self.holidays_file:
            file = folder / self.holidays_file
            try:
                holidays |= ical_holidays(file.read_bytes())
            except OSError as exc:
                raise HoursError(f"holidays_file {str(file)!r}: {exc.strerror}") from None
            except ValueError as exc:
                raise HoursError(f"holidays_file {str(file)!r} is not a readable iCal file: {exc}") from None
        return build(ZoneInfo(self.timezone or default_zone), self.hours(), holidays)


def ical_holidays(data: bytes) -> set[date]:
    """Every day covered by an event of an iCal file (all-day or timed, repeating ones expanded)."""
    import icalendar
    from dateutil.rrule import rrulestr

    try:
        parsed = icalendar.Calendar.from_ical(data)
    except Exception as exc:  # the library raises ValueError and others for broken files
        raise ValueError(str(exc) or type(exc).__name__) from None
    days: set[date] = set()
    for event in parsed.walk("VEVENT"):
        if "DTSTART" not in event:
            continue
        start = _day(event.decoded("DTSTART"))
        end = _day(event.decoded("DTEND")) if "DTEND" in event else start + timedelta(days=1)
        length = max(1, (end - start).days)
        starts = [start]
        if "RRULE" in event:
            rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=datetime.combine(start, datetime.min.time()))
            horizon = datetime(start.year + _ICAL_YEARS, 12, 31)
            starts = [moment.date() for moment in rule.between(datetime.combine(start, datetime.min.time()),
                                                               horizon, inc=True)]
        for first in starts:
            days.update(first + timedelta(days=offset) for offset in range(length))
    return days


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
