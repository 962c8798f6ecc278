from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from deskbot.dispatch.hours import (
    Line,
    ReportData,
    Terms,
    Totals,
    month_bounds,
    previous_month,
    thresholds_passed,
    totals,
)

MOSCOW = ZoneInfo("Europe/Moscow")
UTC = timezone.utc


def terms(**changes) -> Terms:
    fields = dict(number="Д-17/2026", start=date(2026, 1, 15), monthly_fee=Decimal("50000.00"),
                  hours_included=Decimal("10"), hourly_rate=Decimal("2000.00"),
                  overage_rate=Decimal("1500.00"), bonus_hours=Decimal("2"), currency="RUB")
    return Terms(**{**fields, **changes})


def line(number: int, minutes: int, no_charge: bool = False) -> Line:
    opened = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    return Line(number, "Printer", "Ann", opened, opened, minutes, no_charge)


# Month boundaries -------------------------------------------------------------

def test_a_month_is_bounded_on_the_clients_calendar():
    start, end = month_bounds("2026-10", MOSCOW)
    assert start == datetime(2026, 9, 30, 21, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    assert start.utcoffset() == end.utcoffset() == timezone.utc.utcoffset(None)
    late_on_the_31st = datetime(2026, 10, 31, 23, 30, tzinfo=MOSCOW)  # 20:30 UTC
    early_on_the_1st = datetime(2026, 11, 1, 0, 30, tzinfo=MOSCOW)  # still Oct 31 in UTC
    assert start <= late_on_the_31st < end
    assert not start <= early_on_the_1st < end
    next_start, _ = month_bounds("2026-11", MOSCOW)
    assert next_start <= early_on_the_1st and next_start == end


def test_december_runs_into_the_next_year():
    start, end = month_bounds("2026-12", MOSCOW)
    assert (start, end) == (datetime(2026, 11, 30, 21, tzinfo=UTC), datetime(2026, 12, 31, 21, tzinfo=UTC))


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "26-10", "October", "", "2026-10-01", "0000-05", "0001-01", "9999-12"])
def test_a_malformed_month_is_refused_with_the_expected_form(month):
    with pytest.raises(ValueError, match="YYYY-MM|year"):
        month_bounds(month, MOSCOW)


def test_previous_month_on_the_clients_calendar_across_a_year_boundary():
    assert previous_month(datetime(2026, 11, 1, 0, 30, tzinfo=MOSCOW), MOSCOW) == "2026-10"
    # 21:30 UTC on Dec 31 is already January 1 in Moscow: December is over.
    assert previous_month(datetime(2026, 12, 31, 21, 30, tzinfo=UTC), MOSCOW) == "2026-12"
    assert previous_month(datetime(2027, 1, 15, tzinfo=UTC), MOSCOW) == "2026-12"
    with pytest.raises(ValueError, match="naive"):
        previous_month(datetime(2026, 11, 1), MOSCOW)


# Totals ----------------------------------------------------------------------

def test_overage_in_exact_decimals():
    # 10 h included + 2 h bonus, 13 h 20 min used: 1.33 h over at 1500.00 = 1995.00.
    result = totals(terms(), [line(1, 500), line(2, 300)])
    assert result == Totals(used_hours=Decimal("13.33"), included_hours=Decimal("10.00"),
                            bonus_hours=Decimal("2.00"), overage_hours=Decimal("1.33"),
                            overage_cost=Decimal("1995.00"), total_due=Decimal("51995.00"))
    assert all(isinstance(value, Decimal) for value in vars(result).values())
    assert str(result.overage_cost) == "1995.00"


def test_no_charge_tickets_count_as_zero():
    result = totals(terms(), [line(1, 600), line(2, 300, no_charge=True), line(3, 120)])
    assert result.used_hours == Decimal("12.00")
    assert result.overage_hours == Decimal("0.00") and result.total_due == Decimal("50000.00")


def test_hours_round_half_up():
    assert totals(terms(), [line(1, 1)]).used_hours == Decimal("0.02")  # 0.01666…
    assert totals(terms(), [line(1, 3)]).used_hours == Decimal("0.05")  # exactly 0.05


def test_unlimited_contract_has_no_overage():
    result = totals(terms(hours_included=None), [line(n, 24 * 60) for n in range(40)])
    assert result.included_hours is None
    assert result.used_hours == Decimal("960.00")
    assert (result.overage_hours, result.overage_cost) == (Decimal("0.00"), Decimal("0.00"))
    assert result.total_due == Decimal("50000.00")


def test_an_empty_month_costs_the_fee():
    assert totals(terms(), []).total_due == Decimal("50000.00")


def test_floats_and_negative_terms_are_refused():
    with pytest.raises(TypeError, match="overage_rate"):
        terms(overage_rate=1500.0)
    with pytest.raises(ValueError, match="negative"):
        terms(bonus_hours=Decimal("-1"))
    with pytest.raises(ValueError, match="naive"):
        Line(1, "x", "y", datetime(2026, 10, 1), None, 5, False)


def test_report_data_checks_its_month():
    with pytest.raises(ValueError, match="YYYY-MM"):
        ReportData("Org", "org.test", "2026/10", terms(), (), totals(terms(), []), MOSCOW,
                   datetime(2026, 11, 1, tzinfo=UTC))


# Thresholds ------------------------------------------------------------------

def test_thresholds_are_each_reported_once():
    package = terms()  # 10 + 2 = 12 h = 720 min; 80 % = 576 min
    already: set[int] = set()
    assert thresholds_passed(package, 575, already) == []
    assert thresholds_passed(package, 576, already) == [80]
    already.add(80)
    assert thresholds_passed(package, 700, already) == []
    assert thresholds_passed(package, 720, already) == [100]
    already.add(100)
    assert thresholds_passed(package, 2000, already) == []
    # A big jump passes both at once.
    assert thresholds_passed(package, 800, set()) == [80, 100]


def test_no_thresholds_without_a_package():
    assert thresholds_passed(terms(hours_included=None), 10_000, set()) == []
    assert thresholds_passed(terms(hours_included=Decimal("0"), bonus_hours=Decimal("0")), 10, set()) == []
    # Bonus hours alone are a package.
    assert thresholds_passed(terms(hours_included=Decimal("0"), bonus_hours=Decimal("1")), 48, set()) == [80]
