"""Reports to managers: last month's PDFs for approval (after the monthly run) and the hours alerts.

A report reaches the manager as the PDF itself, queued in the outbox as a `sendDocument`
row that names the stored report (the sender reads its bytes when it sends). Nothing
reaches the client until a manager taps Send (`bot/handlers/reports.py`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render import reports as shown
from deskbot.bot.render.texts import Texts
from deskbot.dispatch import outbox, reports
from deskbot.dispatch.config import Config

REPORT = "report"  # the outbox purpose of the PDF to a manager
HOURS = "hours"  # of an hours alert


def queue_pdf(session: AsyncSession, made: reports.Made, chat_id: int, texts: Texts, now: datetime) -> None:
    """The report's PDF, with its buttons, to `chat_id` (also what `/report` sends)."""
    outbox.enqueue(session, chat_id=chat_id, method="sendDocument", payload=shown.document(made, texts),
                   purpose=REPORT, now=now)


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
        text = shown.hours_alert(contract, organization, threshold, minutes, texts)
        for manager in await reports.managers_of(session, contract):
            outbox.send_message(session, chat_id=manager.telegram_id, text=text, purpose=HOURS, now=now)
            told += 1
    return told
