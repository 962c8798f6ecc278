"""Business hours: when the desk (a contract, a person) works, and business time between moments.

Plain code: a `Calendar` is built from working windows per weekday in local wall-clock time,
holidays and a time zone; every question takes aware datetimes and answers in UTC. A window
that ends at or before it starts runs past midnight ("22:00-06:00" on Monday ends on Tuesday);
a holiday drops the windows that start on it. Daylight-saving changes follow the zone: a
window is the wall-clock hours of that day, so it may be an hour shorter or longer.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = 24 * 60
# A calendar with working windows has one in every week unless holidays cover them all;
# a year of holidays in a row is a mistake in the list, not a calendar.
_HORIZON_DAYS = 400
_PIECE = timedelta(days=7)
_WINDOW = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


class HoursError(ValueError):
    """A working-hours text that cannot be read; the message says what is wrong in words."""


@dataclass(frozen=True, order=True)
class Window:
    """Minutes from local midnight; `end` may pass 1440 (a window running past midnight)."""
    start: int
    end: int


def parse_hours(text: str) -> tuple[Window, ...]:
    """"09:00-13:00, 14:00-18:00" -> windows; "" -> none (a day off); "00:00-24:00" -> all day."""
    windows: list[Window] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        found = _WINDOW.fullmatch(part)
        if found is None:
            raise HoursError(f"'{part}' is not a window like 09:00-18:00")
        sh, sm, eh, em = (int(g) for g in found.groups())
        if sh > 23 or eh > 24 or sm > 59 or em > 59 or (eh == 24 and em):
            raise HoursError(f"'{part}' is not a time of day")
        start, end = sh * 60 + sm, eh * 60 + em
        if end == start:
            raise HoursError(f"'{part}' is empty (use 00:00-24:00 for the whole day)")
        windows.append(Window(start, end if end > start else end + DAY))
    windows.sort()
    for before, after in zip(windows, windows[1:]):
        if after.start < before.end:
            raise HoursError(f"windows overlap in '{text}'")
    return tuple(windows)


class Calendar:
    """Working windows per weekday (0 is Monday), holidays, a zone."""

    def __init__(self, zone: ZoneInfo, week: Mapping[int, Sequence[Window]], holidays: Iterable[date] = ()):
        self.zone = zone
        self.week = {day: tuple(sorted(week.get(day, ()))) for day in range(7)}
        self.holidays = frozenset(holidays)
        if not any(self.week.values()):
            raise HoursError("no working hours on any day")

    @classmethod
    def always(cls, zone: ZoneInfo) -> Calendar:
        return cls(zone, {day: (Window(0, DAY),) for day in range(7)})

    @property
    def round_the_clock(self) -> bool:
        return not self.holidays and all(w == (Window(0, DAY),) for w in self.week.values())

    def is_open(self, moment: datetime) -> bool:
        return self.next_open(moment) == _utc(moment)

    def next_open(self, moment: datetime) -> datetime:
        """`moment` itself when open, else the start of the next working window."""
        moment = _utc(moment)
        for start, end in self._periods(moment):
            if end > moment:
                return max(start, moment)
        raise HoursError("no working hours within a year")  # every window falls on a holiday

    def open_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (zero when `end` is not later)."""
        start, end = _utc(start), _utc(end)
        total = timedelta()
        if end <= start:
            return total
        for opened, closed in self._periods(start):
            if opened >= end:
                break
            total += max(timedelta(), min(closed, end) - max(opened, start))
        return total

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when `amount` of working time has passed since `start`."""
        start = _utc(start)
        left = amount
        for opened, closed in self._periods(start):
            if closed <= start:
                continue
            begin = max(opened, start)
            if begin + left <= closed:
                return begin + left
            left -= closed - begin
        raise HoursError("no working hours within a year")

    def _periods(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods in UTC, in order and never overlapping, from the local day before `moment`
        (its window may run past midnight) for as long as asked; stops after a year without any.
        Windows that touch or overlap are joined, in pieces of at most a week (round the clock)."""
        day = moment.astimezone(self.zone).date() - timedelta(days=1)
        pending: tuple[datetime, datetime] | None = None
        floor = datetime.min.replace(tzinfo=timezone.utc)  # the end of what was yielded
        quiet = 0
        while quiet < _HORIZON_DAYS:
            windows = () if day in self.holidays else self.week[day.weekday()]
            quiet = 0 if windows else quiet + 1
            for window in windows:
                opened = max(self._at(day, window.start), floor)
                closed = self._at(day, window.end)
                if closed <= opened:
                    continue
                if pending is not None and opened <= pending[1]:
                    pending = (pending[0], max(pending[1], closed))
                    continue
                if pending is not None:
                    yield pending
                pending = (opened, closed)
            day += timedelta(days=1)
            # Only a period reaching the next local midnight can still be joined by that day's windows.
            if pending is not None and (pending[1] < self._at(day, 0) or pending[1] - pending[0] >= _PIECE):
                yield pending
                floor, pending = pending[1], None
        if pending is not None:
            yield pending

    def _at(self, day: date, minutes: int) -> datetime:
        extra, minutes = divmod(minutes, DAY)
        local = datetime.combine(day + timedelta(days=extra), time(minutes // 60, minutes % 60), self.zone)
        return local.astimezone(timezone.utc)


def build(zone: ZoneInfo, hours: Mapping[str, str], holidays: Iterable[date] = ()) -> Calendar:
    """A calendar from weekday names to hours texts ("mon": "09:00-18:00"); a missing day is off."""
    week: dict[int, tuple[Window, ...]] = {}
    for number, name in enumerate(WEEKDAYS):
        try:
            week[number] = parse_hours(hours.get(name, ""))
        except HoursError as exc:
            raise HoursError(f"{name}: {exc}") from None
    return Calendar(zone, week, holidays)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime: the calendar needs to know the zone")
    return moment.astimezone(timezone.utc)
