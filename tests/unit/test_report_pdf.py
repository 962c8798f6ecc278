import logging
import shutil
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from deskbot.bot.render.texts import Texts
from deskbot.dispatch import report_pdf
from deskbot.dispatch.hours import Line, ReportData, Terms, totals
from deskbot.dispatch.report_pdf import find_font, number, render

MOSCOW = ZoneInfo("Europe/Moscow")
UTC = timezone.utc
EN, RU = Texts("en"), Texts("ru")
TERMS = Terms(number="Д-17/2026", start=date(2026, 1, 15), monthly_fee=Decimal("50000.00"),
              hours_included=Decimal("10"), hourly_rate=Decimal("2000.00"),
              overage_rate=Decimal("1500.00"), bonus_hours=Decimal("2"), currency="RUB")
OPENED = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)  # 09:00 in Moscow


def report(lines, terms=TERMS, organization="ООО «Ромашка»") -> ReportData:
    return ReportData(organization=organization, domain="romashka.ru", month="2026-10", terms=terms,
                      lines=tuple(lines), totals=totals(terms, lines), zone=MOSCOW,
                      generated_at=datetime(2026, 11, 1, 3, 0, tzinfo=UTC))


def month_of_work() -> list[Line]:
    # 13 h 20 min charged (10 h + 2 h bonus in the package: 1.33 h over), 45 min free.
    return [
        Line(101, "Не печатает принтер в бухгалтерии", "Зоя Иванова", OPENED,
             datetime(2026, 10, 31, 20, 30, tzinfo=UTC), 500, False),  # 23:30 in Moscow
        Line(102, "VPN drops every hour", "Пётр Сидоров", OPENED, OPENED + timedelta(hours=3), 300, False),
        Line(103, "Сбой после нашего обновления", "Зоя Иванова", OPENED, OPENED + timedelta(hours=1), 45, True),
    ]


def pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    # Whitespace normalized: cells wrap, and Russian digit groups are no-break spaces.
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages]


def test_a_russian_report_reads_back_with_its_figures():
    text = "\n".join(pages(render(report(month_of_work()), RU)))
    for expected in [
        "Отчёт о технической поддержке", "ООО «Ромашка» (romashka.ru)",
        "Период: 01.10.2026 – 31.10.2026", "Сформирован 01.11.2026 06:00",
        "№ Д-17/2026 от 15.01.2026", "Абонентская плата в месяц 50 000,00 RUB",
        "Стоимость часа сверх пакета 1 500,00 RUB за час",
        "Не печатает принтер в бухгалтерии", "Пётр Сидоров",
        "31.10.2026 23:30",  # closed shown in the client's time, not 20:30 UTC
        "0 мин без оплаты",
        "Часов израсходовано 13,33 (13 ч 20 мин)", "Часов сверх пакета 1,33",
        "Стоимость часов сверх пакета 1 995,00 RUB", "51 995,00 RUB",
        "Стр. 1 из 1",
    ]:
        assert expected in text, expected
    assert "45 мин" not in text  # the free ticket shows 0, not its time


def test_an_english_report_uses_english_words_and_numbers():
    terms = Terms(**{**vars(TERMS), "hours_included": None})
    text = "\n".join(pages(render(report(month_of_work(), terms=terms, organization="Acme Ltd"), EN)))
    for expected in ["Support report", "Acme Ltd (romashka.ru)", "Period: 01.10.2026 – 31.10.2026",
                     "Hours included per month unlimited", "Monthly fee 50,000.00 RUB",
                     "No. Subject Asked by Opened Closed Time spent", "0 min no charge",
                     "Hours used 13.33 (13 h 20 min)", "Hours beyond the package 0.00",
                     "Total due (monthly fee and hours beyond the package) 50,000.00 RUB", "Page 1 of 1"]:
        assert expected in text, expected


def test_300_tickets_span_pages_each_with_the_table_header():
    lines = [Line(n, f"Заявка {n}: " + "не открывается отчёт " * (n % 9), f"Сотрудник {n}",
                  OPENED, OPENED + timedelta(minutes=n), 30, n % 10 == 0) for n in range(1, 301)]
    texts = pages(render(report(lines), RU))
    assert len(texts) >= 5
    for index, text in enumerate(texts, 1):
        assert "№ Тема Кто обратился Открыт Закрыт Затрачено" in text, index
        assert text.endswith(f"Стр. {index} из {len(texts)}")
    everything = "\n".join(texts)
    assert all(f"Сотрудник {n}" in everything for n in range(1, 301))
    assert "135,00" in texts[-1]  # 270 charged tickets × 30 min


def test_characters_outside_the_font_do_not_crash(caplog):
    lines = [Line(1, "🔥👨‍👩‍👧 打印机坏了 \x00\u200f\ud800 Принтер" + "x" * 5000, "Ann 🙂", OPENED, None, 5, False),
             Line(2, "   ", "", OPENED, OPENED, 5, False)]
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        text = "\n".join(pages(render(report(lines, organization="Org 🚀 ✓"), EN)))
    assert "� � Принтер" in text and "Org � ✓" in text
    assert "(no subject)" in text and "—" in text  # the unclosed ticket
    assert "xxx…" in text and "x" * 300 not in text.replace(" ", "").replace("\n", "")
    assert not [record for record in caplog.records if "missing" in record.getMessage()]


def test_an_empty_month_says_so():
    text = "\n".join(pages(render(report([]), RU)))
    assert "За период не закрыто ни одного тикета." in text and "50 000,00 RUB" in text


def test_numbers_per_language():
    assert number(Decimal("1234.5"), "ru") == "1\u00a0234,50"
    assert number(Decimal("1234567.005"), "en") == "1,234,567.00"  # already quantized by hours.totals
    assert number(Decimal("0"), "en") == "0.00"


def test_find_font_from_the_environment_then_debian(tmp_path, monkeypatch):
    regular = tmp_path / "Custom.ttf"
    shutil.copy(report_pdf.DEBIAN_FONT, regular)
    monkeypatch.setenv("DESKBOT_REPORT_FONT", str(regular))
    assert find_font() == (regular, regular)  # no bold beside it: regular for both
    shutil.copy(report_pdf.DEBIAN_FONT, tmp_path / "Custom-Bold.ttf")
    assert find_font() == (regular, tmp_path / "Custom-Bold.ttf")
    assert b"%PDF" in render(report(month_of_work()), RU, font=find_font())[:8]

    monkeypatch.setenv("DESKBOT_REPORT_FONT", str(tmp_path / "nowhere.ttf"))
    with pytest.raises(FileNotFoundError, match="DESKBOT_REPORT_FONT"):
        find_font()
    monkeypatch.delenv("DESKBOT_REPORT_FONT")
    monkeypatch.setattr(report_pdf, "DEBIAN_FONT", tmp_path / "nowhere.ttf")
    with pytest.raises(FileNotFoundError, match="fonts-dejavu-core"):
        find_font()
