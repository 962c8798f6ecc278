"""A client's support hours against their contract: the month's totals, its bounds, the alerts.

Pure rules, no I/O. Money and hours are Decimal from end to end: a report a client pays by
must add up to the cent, and binary floats do not (0.1 + 0.2).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from deskbot.dispatch.sla import Summary

CENT = Decimal("0.01")
THRESHOLDS = (80, 100)  # percent of the package at which the client's manager is warned
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Terms:
    number: str
    start: date
    monthly_fee: Decimal
    hours_included: Decimal | None  # None: unlimited
    hourly_rate: Decimal
    overage_rate: Decimal
    bonus_hours: Decimal
    currency: str

    def __post_init__(self) -> None:
        # A float sneaking in from a form or a JSON column would round silently later.
        for name in ("monthly_fee", "hours_included", "hourly_rate", "overage_rate", "bonus_hours"):
            value = getattr(self, name)
            if value is None and name == "hours_included":
                continue
            if not isinstance(value, Decimal):
                raise TypeError(f"contract {self.number}: {name} must be a Decimal, not {type(value).__name__}")
            if value < 0:
                raise ValueError(f"contract {self.number}: {name} is negative ({value})")

    @property
    def package_hours(self) -> Decimal | None:
        """Included plus bonus hours; None when unlimited."""
        return None if self.hours_included is None else self.hours_included + self.bonus_hours


@dataclass(frozen=True)
class Line:
    number: int
    subject: str
    asked_by: str
    opened: datetime
    closed: datetime | None
    minutes: int
    no_charge: bool

    def __post_init__(self) -> None:
        if self.minutes < 0:
            raise ValueError(f"ticket {self.number}: negative time spent ({self.minutes} min)")
        for moment in (self.opened, self.closed):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError(f"ticket {self.number}: naive datetime {moment}; times must be aware")

    @property
    def charged_minutes(self) -> int:
        return 0 if self.no_charge else self.minutes


@dataclass(frozen=True)
class Totals:
    used_hours: Decimal
    included_hours: Decimal | None  # None: unlimited
    bonus_hours: Decimal
    overage_hours: Decimal
    overage_cost: Decimal
    total_due: Decimal


@dataclass(frozen=True)
class ReportData:
    """Everything one organization's monthly report shows; built by the caller, drawn by report_pdf."""
    organization: str
    domain: str
    month: str  # "YYYY-MM"
    terms: Terms
    lines: tuple[Line, ...]
    totals: Totals
    zone: ZoneInfo  # opened/closed and generated-at are shown in this zone
    generated_at: datetime
    sla: Summary | None = None  # how the tickets' SLA targets went; None: no SLA to report

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        month_bounds(self.month, self.zone)  # a malformed month fails here, not mid-drawing

    @property
    def period(self) -> tuple[datetime, datetime]:
        return month_bounds(self.month, self.zone)


def totals(terms: Terms, lines: Iterable[Line]) -> Totals:
    used = quantize(Decimal(sum(line.charged_minutes for line in lines)) / 60)
    bonus = quantize(terms.bonus_hours)
    if terms.hours_included is None:
        included, overage = None, Decimal("0.00")
    else:
        included = quantize(terms.hours_included)
        # From the printed figures, so that used − included − bonus on the page equals the overage
        # and the overage × rate equals the cost: 13.33 − 10 − 2 = 1.33 h × 1500 = 1995.00.
        overage = max(Decimal("0.00"), used - included - bonus)
    cost = quantize(overage * terms.overage_rate)
    return Totals(used_hours=used, included_hours=included, bonus_hours=bonus, overage_hours=overage,
                  overage_cost=cost, total_due=quantize(terms.monthly_fee + cost))


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Month "2026-10" → the first instants of October and of November in `zone`, as UTC.

    A ticket closed at 23:30 Moscow time on October 31 (20:30 UTC) belongs to October: the client
    counts months on their own calendar. Compare as start <= closed < end.
    """
    match = _MONTH.fullmatch(month.strip()) if isinstance(month, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"not a month: {month!r} (expected YYYY-MM, e.g. 2026-10)")
    year, number = int(match.group(1)), int(match.group(2))
    following = (year + 1, 1) if number == 12 else (year, number + 1)
    try:
        start = datetime(year, number, 1, tzinfo=zone).astimezone(timezone.utc)
        end = datetime(*following, 1, tzinfo=zone).astimezone(timezone.utc)
    except (ValueError, OverflowError):  # year 0, 0001-01 before UTC's year 1, 9999-12
        raise ValueError(f"not a month: {month!r} (year out of range)") from None
    return start, end


def previous_month(now: datetime, zone: ZoneInfo) -> str:
    """The month that ended before `now` on the client's calendar: the one to report on the 1st."""
    if now.utcoffset() is None:
        raise ValueError(f"naive datetime {now}; pass an aware one (the clock gives UTC)")
    local = now.astimezone(zone)
    year, number = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    return f"{year:04d}-{number:02d}"


def thresholds_passed(terms: Terms, used_minutes: int, already: set[int]) -> list[int]:
    """Of 80 % and 100 % of the package, those reached and not yet announced; none when unlimited."""
    package = terms.package_hours
    if package is None or package <= 0:
        return []
    # Exact: minutes × 100 against percent × package minutes, no rounding at the border.
    return [percent for percent in THRESHOLDS
            if percent not in already and Decimal(used_minutes) * 100 >= percent * package * 60]
