"""SLA alerts: a warning to the assignee at warn_at of a target, a breach to the dispatcher chat.

What is due and what was told is dispatch/sla_watch.py's; this queues the words. The alerts of one
pass are gathered per chat into as few messages as Telegram's limit allows (a morning after an
outage may find many at once), each line opening its ticket with /ticket_N.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from deskbot.bot.render.texts import Texts
from deskbot.catalog.words import Safe, cut, visible_length
from deskbot.dispatch import outbox, sla
from deskbot.dispatch.config import Config
from deskbot.dispatch.rules import DIGEST_CHARS
from deskbot.dispatch.sla_watch import Alert, alerts_due

SLA_ALERT = "sla"  # the outbox purpose
SUBJECT_CHARS = 80


async def tell_sla(session, config: Config, texts: Texts, now: datetime) -> int:
    """Queue the alerts due, in the caller's transaction; how many were told."""
    alerts = await alerts_due(session, config, now)
    chats: dict[tuple[int, str], list[Safe]] = defaultdict(list)
    for alert in alerts:
        chat = _chat(config, alert)
        if chat:
            chats[(chat, alert.level)].append(_line(config, texts, alert))
    for (chat, level), lines in chats.items():
        for text in _messages(texts, level, lines):
            outbox.send_message(session, chat_id=chat, purpose=SLA_ALERT, text=text, now=now)
    return len(alerts)


def _chat(config: Config, alert: Alert) -> int:
    """A warning reaches the assignee (the dispatcher chat while nobody has the ticket); a breach, the dispatchers."""
    person = alert.assignee
    if alert.level == sla.WARNING and person is not None and person.active:
        return person.telegram_id
    return config.telegram.dispatcher_chat_id


def _line(config: Config, texts: Texts, alert: Alert) -> Safe:
    ticket, figure = alert.ticket, alert.figure
    subject = cut((ticket.subject or "").strip(), SUBJECT_CHARS) or texts.plain("card-no-subject")
    due = figure.due.astimezone(ZoneInfo(config.dispatch.timezone)).strftime("%d.%m %H:%M") if figure.due else "—"
    args = dict(number=ticket.id, subject=subject, target=texts.plain(f"sla-target-{alert.target}"), due=due)
    if alert.level == sla.WARNING:
        left = max(0, int((figure.target - figure.elapsed).total_seconds() // 60))
        return texts.t("sla-warning-line", left=texts.duration(max(1, left)), **args)
    if alert.assignee is None:
        return texts.t("sla-breach-line-nobody", **args)
    return texts.t("sla-breach-line", assignee=alert.assignee.name, **args)


def _messages(texts: Texts, level: str, lines: list[Safe]) -> list[Safe]:
    """A header and the lines, in messages within Telegram's limit."""
    header = texts.t(f"sla-{level}", count=len(lines))
    pages: list[list[Safe]] = [[]]
    used = visible_length(header)
    for line in lines:
        size = visible_length(line) + 1
        if pages[-1] and used + size > DIGEST_CHARS:
            pages.append([])
            used = visible_length(header)
        pages[-1].append(line)
        used += size
    return [Safe("\n".join([header, *page])) for page in pages]
