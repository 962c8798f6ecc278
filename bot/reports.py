"""Reports in Telegram: the manager's approval (*Send* / *Hold*), `/report <org> [month]`, hours alerts.

A report reaches the manager as the PDF itself, queued in the outbox as a `sendDocument`
row that names the stored report (the sender reads its bytes when it sends). Nothing
reaches the client until a manager taps Send; Hold keeps it, with Send still offered.
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, must_be_staff
from deskbot.bot.render.texts import Safe, Texts, cut
from deskbot.dispatch import outbox, reports
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.dispatch.hours import previous_month
from deskbot.dispatch.tickets import Refused
from deskbot.storage.models import Report, Staff

REPORT = "report"  # the outbox purpose of the PDF to a manager
HOURS = "hours"  # of an hours alert
_MONTH = re.compile(r"^\d{4}-\d{2}$")


class ReportV1(CallbackData, prefix="r1"):
    """A manager's decision on a stored report: send or hold."""

    report: int
    action: str


def buttons(report: Report, texts: Texts) -> InlineKeyboardMarkup | None:
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


def queue_pdf(session: AsyncSession, made: reports.Made, chat_id: int, texts: Texts, now: datetime) -> None:
    markup = buttons(made.report, texts)
    payload = {"report": made.report.id, "caption": caption(made, texts), "parse_mode": "HTML",
               "file_name": reports.file_name(made.organization, made.report.month)}
    if markup is not None:
        payload["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
    outbox.enqueue(session, chat_id=chat_id, method="sendDocument", payload=payload, purpose=REPORT, now=now)


async def ask_managers(session: AsyncSession, made: list[reports.Made], texts: Texts, now: datetime) -> int:
    """The cron's reports to their managers for approval; how many PDFs were queued."""
    queued = 0
    for one in made:
        if not one.fresh:
            continue
        for manager in await reports.managers_of(session, one.contract):
            queue_pdf(session, one, manager.telegram_id, texts, now)
            queued += 1
    return queued


async def tell_hours(session: AsyncSession, config: Config, texts: Texts, now: datetime) -> int:
    """The hours alerts due (80 %, 100 % of a package), one message each to the contract's managers."""
    told = 0
    for contract, organization, threshold, minutes in await reports.hours_alerts_due(session, config, now):
        package = (contract.included_minutes or 0) + contract.bonus_minutes
        text = texts.t(f"hours-alert-{threshold}", organization=organization.name, used=texts.duration(minutes),
                       package=texts.duration(package), percent=minutes * 100 // max(package, 1))
        for manager in await reports.managers_of(session, contract):
            outbox.send_message(session, chat_id=manager.telegram_id, text=text, purpose=HOURS, now=now)
            told += 1
    return told


def router() -> Router:
    r = Router(name=__name__)
    r.message.register(report_command, Command("report"))
    r.callback_query.register(decided, ReportV1.filter(F.action.in_({"send", "hold"})))
    return r


async def report_command(message: Message, command: CommandObject, session: AsyncSession, staff: Staff | None,
                         config: Config, clock: Clock, texts: Texts, replies: Replies) -> None:
    actor = must_be_staff(staff)
    if "manager" not in actor.role_set:
        replies.answer(message, texts.t("report-manager-only"))
        return
    words = (command.args or "").split()
    now = clock.now()
    if not words or len(words) > 2 or (len(words) == 2 and not _MONTH.match(words[1])):
        replies.answer(message, texts.t("report-usage"))
        return
    month = words[1] if len(words) == 2 else previous_month(now, ZoneInfo(config.dispatch.timezone))
    try:
        organization = await reports.organization_of(session, words[0])
        made = await reports.make(session, config, texts, organization, month, now)
    except reports.ReportError as error:  # no such organization, no contract
        replies.answer(message, texts.t(error.key, **error.text_args))
        return
    except ValueError:  # a month like 2026-13 (the shape was checked above)
        replies.answer(message, texts.t("report-bad-month", month=month))
        return
    queue_pdf(session, made, message.chat.id, texts, now)
    replies.answer(message, texts.t("report-on-its-way", organization=organization.name, month=texts.month(month)))


async def decided(query: CallbackQuery, callback_data: ReportV1, session: AsyncSession, staff: Staff | None,
                  config: Config, clock: Clock, texts: Texts, replies: Replies,
                  callback_answer: CallbackAnswer) -> None:
    actor = must_be_staff(staff)
    try:
        made = await reports.decide(session, callback_data.report, actor, callback_data.action == "send", config,
                                    texts, clock.now())
    except reports.ReportError as error:
        raise Refused(f"alert-{error}") from None
    replies.buttons(query, buttons(made.report, texts))
    key = "report-sent" if made.report.status == reports.SENT else "report-held"
    callback_answer.text = texts.alert(f"alert-{key}", organization=made.organization.name,
                                       month=texts.month(made.report.month))
    replies.send(query.message.chat.id, texts.t(key, organization=made.organization.name, month=texts.month(made.report.month),
                                                recipients=made.contract.recipients.replace(",", ", ")))

