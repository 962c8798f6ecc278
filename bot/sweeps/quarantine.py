"""Mail kept aside, told in the dispatcher chat: people's mail as it comes, machine mail as a daily count.

The notices share the dispatcher chat's budget with the new tickets' cards (`sweeps/announce.py`),
which take it first: a person's mail that does not fit waits for the next sweep, never lost.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render.quarantine import line, opened
from deskbot.bot.render.texts import Safe, Texts, visible_length
from deskbot.dispatch import outbox, quarantine
from deskbot.dispatch.config import Config
from deskbot.dispatch.quarantine_rules import plan_notices
from deskbot.dispatch.rules import DIGEST_CHARS

NOTICE, SUMMARY = "quarantine", "quarantine-summary"  # outbox purposes
MAX_WAITING = 500  # read per sweep; a longer backlog is read by the next sweeps


async def announce_kept_aside(session: AsyncSession, config: Config, texts: Texts, now: datetime,
                              budget: int) -> int:
    """Tell the dispatcher chat of people's mail kept aside, within `budget` messages; how many were told."""
    chat_id = config.telegram.dispatcher_chat_id
    if not chat_id or budget <= 0:
        return 0
    waiting = await quarantine.waiting_notices(session, MAX_WAITING)
    measure = lambda item: visible_length(line(item.id, item.sender, item.subject, texts)) + 1  # noqa: E731
    header_room = DIGEST_CHARS - visible_length(texts.t("quarantine-notices-header", count=len(waiting)))
    notices = plan_notices(waiting, budget, measure, limit=header_room)
    zone = ZoneInfo(config.dispatch.timezone)
    for item in notices.cards:
        text, markup = opened(await quarantine.view(session, item.id), texts, zone)
        outbox.send_message(session, chat_id=chat_id, text=text, reply_markup=markup, purpose=NOTICE, now=now)
    if notices.listed:
        rows = [texts.t("quarantine-notices-header", count=len(waiting)),
                *(line(i.id, i.sender, i.subject, texts) for i in notices.listed)]
        if notices.more:
            rows.append(texts.t("list-more", count=notices.more))
        outbox.send_message(session, chat_id=chat_id, text=Safe("\n".join(rows)), purpose=NOTICE, now=now)
    await quarantine.mark_announced(session, notices.shown, now)
    return len(notices.shown)


async def summarize_machine_mail(session: AsyncSession, config: Config, texts: Texts, now: datetime) -> int:
    """The daily count of machine mail kept aside since the last summary; nothing when there is none."""
    chat_id = config.telegram.dispatcher_chat_id
    if not chat_id:
        return 0
    count = await quarantine.count_machine_mail(session, now)
    if count:
        outbox.send_message(session, chat_id=chat_id, text=texts.t("quarantine-summary", count=count),
                            purpose=SUMMARY, now=now)
    return count
