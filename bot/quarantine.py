"""Mail kept aside, in Telegram: the notices in the dispatcher chat, the daily count of machine
mail, the /quarantine list and an opened item with its buttons.

Everything a sender wrote is escaped (`Texts.t`): customer HTML never reaches Telegram as HTML.
The notices share the dispatcher chat's budget with the new tickets' cards (`bot.announce`),
which take it first: a person's mail that does not fit waits for the next sweep, never lost.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render.callbacks import QuarantinePageV1, QuarantineV1
from deskbot.bot.render.texts import ADDRESS_CHARS, DIGEST_STYLES, SUBJECT_CHARS, Safe, Texts, cut, visible_length
from deskbot.dispatch import outbox, quarantine
from deskbot.dispatch.config import Config
from deskbot.dispatch.quarantine import ItemView
from deskbot.dispatch.quarantine_rules import Fate, Kind, plan_notices, reason_kind
from deskbot.dispatch.rules import DIGEST_CHARS

NOTICE, SUMMARY = "quarantine", "quarantine-summary"  # outbox purposes
PAGE_LINES = 20  # of /quarantine's list: short enough to read on a phone, far below 4096 characters
_SUBJECT, _SENDER = DIGEST_STYLES[0]
MAX_WAITING = 500  # read per sweep; a longer backlog is read by the next sweeps


def buttons(item_id: int, texts: Texts) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.plain("button-make-ticket"), callback_data=QuarantineV1(item=item_id, action="ticket"))
    kb.button(text=texts.plain("button-dismiss"), callback_data=QuarantineV1(item=item_id, action="dismiss"))
    return kb.as_markup()


def render(item: ItemView, texts: Texts, zone: ZoneInfo) -> Safe:
    """An opened item: sender, subject, why, the first lines; and its fate once decided."""
    when = lambda moment: moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")  # noqa: E731
    lines = [texts.t("quarantine-title", id=item.id),
             texts.t("quarantine-from", sender=cut(item.sender, ADDRESS_CHARS)) if item.sender.strip()
             else texts.t("quarantine-from-unknown"),
             texts.t("quarantine-subject", subject=cut(item.subject.strip(), SUBJECT_CHARS)
                     or texts.plain("card-no-subject")),
             _why(item.reason, texts)]
    if item.kind == Kind.MACHINE:
        lines.append(texts.t("quarantine-machine"))
    lines.append(texts.t("quarantine-received", time=when(item.received_at)))
    lines.append(texts.t("card-excerpt", excerpt=item.excerpt) if item.excerpt.strip() else texts.t("card-no-text"))
    if item.status != Fate.OPEN and item.decided_at is not None:
        fate = "released" if item.status == Fate.RELEASED else "dismissed"
        args = {"number": item.ticket_id or 0, "time": when(item.decided_at)}
        lines.append(texts.t(f"quarantine-{fate}", who=item.decided_by, **args) if item.decided_by
                     else texts.t(f"quarantine-{fate}-cli", **args))
    return Safe("\n".join(lines))


def _why(reason: str, texts: Texts) -> Safe:
    kind = reason_kind(reason)
    return texts.t(f"quarantine-why-{kind}", **({"reason": cut(reason, 300)} if kind == "other" else {}))


def line(item_id: int, sender: str, subject: str, texts: Texts, *, machine: bool = False) -> Safe:
    key = "quarantine-list-line-machine" if machine else "quarantine-list-line"
    return texts.t(key, id=item_id, subject=cut(subject.strip(), _SUBJECT) or texts.plain("card-no-subject"),
                   sender=cut(sender.strip(), _SENDER) or texts.plain("quarantine-no-sender"))


async def opened(session: AsyncSession, item_id: int, texts: Texts,
                 zone: ZoneInfo) -> tuple[Safe, InlineKeyboardMarkup | None]:
    """An item as /quarantine_N shows it: with its buttons while it is open."""
    item = await quarantine.view(session, item_id)
    return render(item, texts, zone), buttons(item.id, texts) if item.status == Fate.OPEN else None


async def listing(session: AsyncSession, page: int, texts: Texts) -> tuple[Safe, InlineKeyboardMarkup | None]:
    """A page of the open items, newest first, with Older/Newer when there are more pages."""
    total, _ = await quarantine.recent(session, 0, 0)
    if not total:
        return texts.t("quarantine-list-empty"), None
    pages = -(-total // PAGE_LINES)
    page = min(max(page, 1), pages)
    _, items = await quarantine.recent(session, (page - 1) * PAGE_LINES, PAGE_LINES)
    rows = [texts.t("quarantine-list-header", count=total),
            *(line(i.raw_id, i.sender, i.subject, texts, machine=i.kind == Kind.MACHINE) for i in items)]
    if pages == 1:
        return Safe("\n".join(rows)), None
    rows.append(texts.t("quarantine-list-page", page=page, pages=pages))
    kb = InlineKeyboardBuilder()
    if page < pages:
        kb.button(text=texts.plain("button-older"), callback_data=QuarantinePageV1(page=page + 1))
    if page > 1:
        kb.button(text=texts.plain("button-newer"), callback_data=QuarantinePageV1(page=page - 1))
    return Safe("\n".join(rows)), kb.as_markup()


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
        text, markup = await opened(session, item.id, texts, zone)
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


