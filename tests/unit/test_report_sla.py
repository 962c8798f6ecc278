"""The monthly report's SLA summary: counted from the tickets' figures, drawn in the client's language."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from deskbot.bot.render.texts import Texts
from deskbot.dispatch.calendar import Calendar
from deskbot.dispatch.hours import Line, ReportData, Terms, totals
from deskbot.dispatch.report_pdf import render
from deskbot.dispatch.sla import Count, Summary, Targets, figures, summarize, timeline

MOSCOW = ZoneInfo("Europe/Moscow")
UTC = timezone.utc
H = timedelta(hours=1)
TERMS = Terms(number="S-1", start=date(2026, 1, 1), monthly_fee=Decimal("1000"), hours_included=Decimal("10"),
              hourly_rate=Decimal("100"), overage_rate=Decimal("150"), bonus_hours=Decimal("0"), currency="RUB")
OPENED = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)


def data(summary) -> ReportData:
    lines = [Line(101, "Printer", "Zoe", OPENED, OPENED + H, 60, False)]
    return ReportData(organization="Example", domain="example.com", month="2026-10", terms=TERMS, lines=tuple(lines),
                      totals=totals(TERMS, lines), zone=MOSCOW, generated_at=datetime(2026, 11, 1, tzinfo=UTC),
                      sla=summary)


def text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages)


def test_summary_counts_met_missed_and_open():
    always, targets = Calendar.always(MOSCOW), Targets(first_response=H, resolution=4 * H)
    now = OPENED + 10 * H
    answered_in_time = figures(timeline(OPENED, [("answered", OPENED + 0.5 * H), ("closed", OPENED + 2 * H)]),
                               always, targets, now)
    late = figures(timeline(OPENED, [("answered", OPENED + 2 * H), ("closed", OPENED + 6 * H)]), always, targets, now)
    waiting = figures(timeline(OPENED, [("answered", OPENED + 0.5 * H), ("waiting", OPENED + H)]), always, targets, now)
    assert summarize([answered_in_time, late, waiting, {}]) == Summary(
        3, Count(met=2, breached=1), Count(met=1, breached=1, open=1))
    assert summarize([{}, {}]) is None


def test_the_pdf_shows_the_summary_and_none_without_sla():
    summary = Summary(3, Count(met=2, breached=1), Count(met=1, breached=1, open=1))
    english = render(data(summary), Texts("en"))
    assert "Service levels (SLA) Tickets with SLA targets 3 First response met 2 · missed 1 · still open 0 " \
           "Resolution met 1 · missed 1 · still open 1" in text(english)
    russian = text(render(data(summary), Texts("ru")))
    assert "Первый ответ в срок 2 · с нарушением 1 · ещё открыты 0" in russian
    assert "SLA" not in text(render(data(None), Texts("en")))
