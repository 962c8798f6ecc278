"""A monthly report as a manager sees it in Telegram: the PDF's caption and its Send / Hold buttons."""
from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from deskbot.bot.render.callbacks import ReportV1
from deskbot.bot.render.texts import Safe, Texts, cut
from deskbot.dispatch import reports
from deskbot.storage.models import Contract, Organization, Report


def buttons(report: Report, texts: Texts) -> InlineKeyboardMarkup | None:
    """Send while it is not sent; Hold only on a draft."""
    if report.status == reports.SENT:
        return None
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.plain("button-report-send"), callback_data=ReportV1(report=report.id, action="send"))
    if report.status == reports.DRAFT:
        kb.button(text=texts.plain("button-report-hold"), callback_data=ReportV1(report=report.id, action="hold"))
    return kb.as_markup()


def caption(made: reports.Made, texts: Texts) -> Safe:
    report, organization = made.report, made.organization
    recipients = made.contract.recipients.replace(",", ", ") if made.contract else ""
    # A document's caption holds 1,024 characters: the names that grow are cut.
    return texts.t(f"report-caption-{report.status}", organization=cut(organization.name, 100),
                   month=texts.month(report.month), tickets=report.tickets, time=texts.duration(report.used_minutes),
                   total=report.total_due, currency=made.contract.currency if made.contract else "",
                   recipients=cut(recipients, 300) or "—")


def document(made: reports.Made, texts: Texts) -> dict[str, Any]:
    """The sendDocument payload: it names the stored report, whose bytes the sender reads when it sends."""
    markup = buttons(made.report, texts)
    payload = {"report": made.report.id, "caption": caption(made, texts), "parse_mode": "HTML",
               "file_name": reports.file_name(made.organization, made.report.month)}
    if markup is not None:
        payload["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
    return payload


def hours_alert(contract: Contract, organization: Organization, threshold: int, minutes: int, texts: Texts) -> Safe:
    """80 % or 100 % of the contract's package used."""
    package = (contract.included_minutes or 0) + contract.bonus_minutes
    return texts.t(f"hours-alert-{threshold}", organization=organization.name, used=texts.duration(minutes),
                   package=texts.duration(package), percent=minutes * 100 // max(package, 1))
