"""A manager's reports in Telegram: `/report <org> [month]`, and *Send* / *Hold* on a report's PDF.

Hold keeps the report, with Send still offered; Send mails it to the client's recipients.
"""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, must_be_staff
from deskbot.bot.render.callbacks import ReportV1
from deskbot.bot.render.reports import buttons
from deskbot.bot.render.texts import Texts
from deskbot.bot.sweeps.reports import queue_pdf
from deskbot.dispatch import reports
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.dispatch.hours import previous_month
from deskbot.dispatch.tickets import Refused
from deskbot.storage.models import Staff

_MONTH = re.compile(r"^\d{4}-\d{2}$")


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

