"""Mail kept aside, as Telegram shows it: an opened item with its buttons, a list line, a page of /quarantine.

Everything a sender wrote is escaped (`Texts.t`): customer HTML never reaches Telegram as HTML.
"""
from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from deskbot.bot.render.callbacks import QuarantinePageV1, QuarantineV1
from deskbot.bot.render.texts import ADDRESS_CHARS, DIGEST_STYLES, SUBJECT_CHARS, Safe, Texts, cut
from deskbot.dispatch.quarantine import ItemView
from deskbot.dispatch.quarantine_rules import Fate, Kind, reason_kind
from deskbot.storage.models import QuarantineItem

PAGE_LINES = 20  # of /quarantine's list: short enough to read on a phone, far below 4096 characters
_SUBJECT, _SENDER = DIGEST_STYLES[0]


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


def opened(item: ItemView, texts: Texts, zone: ZoneInfo) -> tuple[Safe, InlineKeyboardMarkup | None]:
    """An item as /quarantine_N shows it: with its buttons while it is open."""
    return render(item, texts, zone), buttons(item.id, texts) if item.status == Fate.OPEN else None


def pages(total: int) -> int:
    return -(-total // PAGE_LINES)


def listing(items: Sequence[QuarantineItem], total: int, page: int,
            texts: Texts) -> tuple[Safe, InlineKeyboardMarkup | None]:
    """Page `page` of the open items (`items`, newest first), with Older/Newer when there are more pages."""
    if not total:
        return texts.t("quarantine-list-empty"), None
    rows = [texts.t("quarantine-list-header", count=total),
            *(line(i.raw_id, i.sender, i.subject, texts, machine=i.kind == Kind.MACHINE) for i in items)]
    if pages(total) == 1:
        return Safe("\n".join(rows)), None
    rows.append(texts.t("quarantine-list-page", page=page, pages=pages(total)))
    kb = InlineKeyboardBuilder()
    if page < pages(total):
        kb.button(text=texts.plain("button-older"), callback_data=QuarantinePageV1(page=page + 1))
    if page > 1:
        kb.button(text=texts.plain("button-newer"), callback_data=QuarantinePageV1(page=page - 1))
    return Safe("\n".join(rows)), kb.as_markup()
