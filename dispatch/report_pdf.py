"""The monthly report to a client as a PDF: contract terms, the closed tickets, the hours against the package.

fpdf2: pure Python (no system libraries to install on the server), embeds a subset of a TrueType
font so Cyrillic renders in any viewer, and its table repeats the header row on every page.
Every word on the page comes from the catalogs (report-* keys); figures are formatted here.
"""
from __future__ import annotations

import os
import re
import unicodedata
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from deskbot.catalog.words import Catalog, cut
from deskbot.dispatch.hours import ReportData

FONT_ENV = "DESKBOT_REPORT_FONT"
DEBIAN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FAMILY = "report"
SUBJECT_CHARS = 200  # a row must never outgrow a page; the full subject is on the ticket
NAME_CHARS = 80
# (thousands, decimal) separators; the catalog holds words, not number formats.
SEPARATORS = {"en": (",", "."), "ru": ("\u00a0", ",")}
# Ticket table: No., subject, asked by, opened, closed, time spent (mm, 180 wide in all).
COLUMNS = (12, 54, 34, 28, 28, 24)  # a date and time on one line at 8 pt
_SPACES = re.compile(r"\s+")


def find_font() -> tuple[Path, Path]:
    """(regular, bold) TrueType files with Cyrillic: $DESKBOT_REPORT_FONT, else Debian's DejaVu Sans."""
    configured = os.environ.get(FONT_ENV, "").strip()
    if configured:
        regular = Path(configured)
        if not regular.is_file():
            # A set but wrong path is a mistake to report, not to paper over with another font.
            raise FileNotFoundError(f"{FONT_ENV}={configured}: no such font file")
    elif DEBIAN_FONT.is_file():
        regular = DEBIAN_FONT
    else:
        raise FileNotFoundError(
            f"no TrueType font for the PDF report: install the Debian package fonts-dejavu-core "
            f"(it provides {DEBIAN_FONT}) or set {FONT_ENV} to a .ttf file with Cyrillic")
    bold = regular.with_name(f"{regular.stem}-Bold{regular.suffix}")
    return regular, bold if bold.is_file() else regular


def number(value: Decimal, lang: str) -> str:
    """2 decimals, grouped per language: en "1,234.50", ru "1 234,50" (no-break space)."""
    group, point = SEPARATORS.get(lang, SEPARATORS["en"])
    return format(value, ",.2f").translate({ord(","): group, ord("."): point})


def spent(texts: Catalog, minutes: int) -> str:
    """ "13 h 20 min": hours past a day stay hours (Catalog.duration turns 30 h into "1 d 6 h")."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return texts.plain("duration-hours-minutes", hours=hours, minutes=rest)
    if hours:
        return texts.plain("duration-hours", hours=hours)
    return texts.plain("duration-minutes", minutes=rest)


class _Document(FPDF):
    def __init__(self, texts: Catalog) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.texts = texts
        self.glyphs: set[int] = set()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        # "{nb}" is fpdf2's alias for the page count, filled in when the document is closed.
        self.cell(0, 5, self.texts.plain("report-page", page=self.page_no(), pages="{nb}"), align="C")

    def printable(self, text: str) -> str:
        """Customer text as the font can draw it: one line, unknown characters as "�"."""
        kept = []
        for char in _SPACES.sub(" ", text).strip():
            category = unicodedata.category(char)
            if category in ("Cc", "Cf") or 0xFE00 <= ord(char) <= 0xFE0F:
                continue  # zero-width joiners, direction marks, variation selectors: no glyph, no meaning here
            if ord(char) in self.glyphs:
                kept.append(char)
            elif category != "Mn":  # a combining mark the font lacks is dropped with no trace
                missing = "\ufffd" if 0xFFFD in self.glyphs else "?"
                if not kept or kept[-1] != missing:  # one mark for an emoji family, not four
                    kept.append(missing)
        return "".join(kept)


def render(report: ReportData, texts: Catalog, font: tuple[Path, Path] | None = None) -> bytes:
    """The report as PDF bytes, A4, in the language of `texts`; `font` defaults to find_font()."""
    pdf = _Document(texts)
    try:
        return _draw(pdf, report, texts, font or find_font())
    finally:
        for loaded in pdf.fonts.values():
            loaded.close()  # fpdf2 keeps the .ttf open until output(); an error must not leak it


def _draw(pdf: _Document, report: ReportData, texts: Catalog, font: tuple[Path, Path]) -> bytes:
    regular, bold = font
    t, lang, terms, sums = texts.plain, texts.lang, report.terms, report.totals
    pdf.add_font(FAMILY, "", str(regular))
    pdf.add_font(FAMILY, "B", str(bold))
    # Characters both faces draw: customer text may land in a bold cell (the organization).
    pdf.glyphs = set(pdf.fonts[FAMILY].cmap) & set(pdf.fonts[FAMILY + "B"].cmap)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    organization = pdf.printable(report.organization)
    currency = pdf.printable(terms.currency)
    pdf.set_title(f"{t('report-title')} {organization} {report.month}")
    pdf.set_lang(lang)
    pdf.set_creator("deskbot")
    pdf.set_creation_date(report.generated_at)  # same data, same bytes
    pdf.add_page()

    def money(value: Decimal) -> str:
        return t("report-money", amount=number(value, lang), currency=currency)

    def local(moment: datetime) -> str:
        return moment.astimezone(report.zone).strftime("%d.%m.%Y %H:%M")

    def line(text: str, size: float, style: str = "", gap: float = 0) -> None:
        pdf.set_font(FAMILY, style, size)
        pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    def pairs(rows: list[tuple[str, str]]) -> None:
        pdf.set_font(FAMILY, size=9)
        with pdf.table(col_widths=(90, 90), width=180, first_row_as_headings=False, line_height=5,
                       text_align=("LEFT", "RIGHT"), borders_layout="HORIZONTAL_LINES") as table:
            for label, value in rows:
                table.row((label, value))
        pdf.ln(4)

    start, end = report.period
    last_day = end.astimezone(report.zone) - timedelta(days=1)
    line(t("report-title"), 16, "B", 2)
    line(t("report-organization", organization=organization, domain=pdf.printable(report.domain))
         if report.domain else organization, 12, "B", 1)
    line(t("report-period", start=start.astimezone(report.zone).strftime("%d.%m.%Y"),
           end=last_day.strftime("%d.%m.%Y"), zone=str(report.zone)), 9)
    line(t("report-generated", time=local(report.generated_at)), 9, gap=5)

    line(t("report-terms"), 11, "B", 1)
    included = t("report-unlimited") if terms.hours_included is None else number(terms.hours_included, lang)
    pairs([
        (t("report-contract"), t("report-contract-value", contract=pdf.printable(terms.number),
                                 date=terms.start.strftime("%d.%m.%Y"))),
        (t("report-monthly-fee"), money(terms.monthly_fee)),
        (t("report-hours-included"), included),
        (t("report-hourly-rate"), t("report-rate", amount=number(terms.hourly_rate, lang),
                                    currency=currency)),
        (t("report-overage-rate"), t("report-rate", amount=number(terms.overage_rate, lang),
                                     currency=currency)),
        (t("report-bonus-hours"), number(terms.bonus_hours, lang)),
    ])

    line(t("report-tickets"), 11, "B", 1)
    if not report.lines:
        line(t("report-no-tickets"), 9, gap=4)
    else:
        pdf.set_font(FAMILY, size=8)
        heading = FontFace(emphasis="B", fill_color=(225, 225, 225))
        with pdf.table(col_widths=COLUMNS, width=180, line_height=4, headings_style=heading,
                       text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"),
                       repeat_headings=1, padding=1) as table:
            table.row([t(f"report-column-{name}") for name in
                       ("number", "subject", "asked-by", "opened", "closed", "time")])
            for ticket in sorted(report.lines, key=lambda item: (item.closed or item.opened, item.number)):
                time = spent(texts, ticket.charged_minutes)
                table.row((
                    str(ticket.number),
                    cut(pdf.printable(ticket.subject), SUBJECT_CHARS) or t("report-no-subject"),
                    cut(pdf.printable(ticket.asked_by), NAME_CHARS),
                    local(ticket.opened),
                    local(ticket.closed) if ticket.closed else t("report-not-closed"),
                    f"{time}\n{t('report-no-charge')}" if ticket.no_charge else time,
                ))
        pdf.ln(4)

    line(t("report-totals"), 11, "B", 1)
    used_minutes = sum(ticket.charged_minutes for ticket in report.lines)
    pairs([
        (t("report-total-included"), t("report-unlimited") if sums.included_hours is None
         else number(sums.included_hours, lang)),
        (t("report-total-used"), t("report-hours-time", value=number(sums.used_hours, lang),
                                   time=spent(texts, used_minutes))),
        (t("report-total-bonus"), number(sums.bonus_hours, lang)),
        (t("report-total-overage"), number(sums.overage_hours, lang)),
        (t("report-total-overage-cost"), money(sums.overage_cost)),
        (t("report-total-due"), money(sums.total_due)),
    ])
    if report.sla is not None:
        _service_levels(report, texts, line, pairs)
    return bytes(pdf.output())


def _service_levels(report: ReportData, texts: Catalog, line, pairs) -> None:
    """How the SLA targets went: met, missed, and those still open when the report was made."""
    t, levels = texts.plain, report.sla
    line(t("report-sla"), 11, "B", 1)
    rows = [(t("report-sla-tickets"), str(levels.tickets))]
    for name, count in (("first-response", levels.first_response), ("resolution", levels.resolution)):
        if count.met or count.breached or count.open:
            rows.append((t(f"report-sla-{name}"), t("report-sla-counts", met=count.met, breached=count.breached,
                                                     open=count.open)))
    pairs(rows)
