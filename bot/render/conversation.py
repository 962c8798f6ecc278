"""A ticket's whole conversation, paged: what /ticket sends under the card, and its buttons.

Every message of the ticket, oldest first: the customer's mail, our answers, and the
colleagues' internal notes (marked, so nobody takes one for mail the customer saw).
Bodies are shown as stored (`dispatch.conversation`), not through `dispatch.cards.excerpt`: the card's excerpt is a
glance and may drop quoted history and the signature, but a customer who answers
between the quoted lines would lose their answers that way, and a signature holds the
phone number someone needs. This view is where the whole text is read.

Pages are filled oldest first and numbered in that order, so a page keeps its content
when new mail arrives (only the last page grows) and a button pressed later still shows
what its number promised. /ticket opens on the last page, the latest exchange, which is
what someone on a phone wants; "◀ Older" walks back. The card above shows the first mail.

Each page stays within DIGEST_CHARS visible characters (UTF-16 units, as Telegram
counts): a message too long for the room left is cut, in plain text before escaping,
so a tag or an entity is never cut in half, and goes on under "(continued)".
"""
from __future__ import annotations

import html
from datetime import tzinfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from deskbot.bot.render.callbacks import ConversationV1
from deskbot.bot.render.texts import NAME_CHARS, Safe, Texts, cut, utf16_len, visible_length
from deskbot.dispatch.conversation import Entry
from deskbot.dispatch.rules import DIGEST_CHARS

MIN_PIECE = 300  # a long message starts on the next page rather than as a scrap at the bottom of this one
MAX_ENTRIES = 30  # per page: readable on a phone, and a page's formatting (a bold name each) stays small
_MANY = 999_999  # page numbers the header's room is reserved for
_GAP = 2  # the blank line between two messages


def may_show(chat_id: int, chat_type: str, dispatcher_chat: int) -> bool:
    """Internal notes are for the staff: the conversation goes to private chats and the dispatcher chat only."""
    return chat_type == "private" or chat_id == dispatcher_chat


def page(number: int, conversation: list[Entry], wanted: int | None, texts: Texts,
         zone: tzinfo) -> tuple[Safe, InlineKeyboardMarkup | None]:
    """Page `wanted` (1 is the oldest; None or out of range: the nearest end) and its buttons."""
    shown = pages(number, conversation, texts, zone)
    at = len(shown) if wanted is None else min(max(wanted, 1), len(shown))
    return shown[at - 1], keyboard(number, at, len(shown), texts)


def pages(number: int, conversation: list[Entry], texts: Texts, zone: tzinfo,
          limit: int = DIGEST_CHARS) -> list[Safe]:
    """The conversation as message texts, oldest page first, each within `limit` visible characters."""
    def header(part: int, parts: int) -> Safe:
        return texts.t("conversation-header", number=number, part=part, parts=parts, count=len(conversation))

    filler = _Filler(limit - visible_length(header(_MANY, _MANY)) - _GAP)
    for entry in conversation:
        _add(filler, entry, texts, zone)
    filler.turn()
    blocks = filler.pages or [[texts.t("conversation-none")]]
    return [Safe("\n\n".join([header(i, len(blocks)), *page_blocks])) for i, page_blocks in enumerate(blocks, 1)]


def split(text: str, room: int) -> tuple[str, str]:
    """The longest start of `text` within `room` UTF-16 units, ended at a line or a word when one
    is in its second half; and the rest. Python slices whole code points: no surrogate pair is cut."""
    if _fits(text, room):
        return text, ""
    end = room  # code points: each is one or two units, so this many is at least `room` units
    while (excess := utf16_len(text[:end]) - room) > 0:
        end -= (excess + 1) // 2
    for mark in ("\n", " "):
        at = text.rfind(mark, end // 2, end)
        if at > 0 and text[:at].strip():
            return text[:at].rstrip(), text[at + 1:]
    return text[:end], text[end:]


def keyboard(number: int, at: int, total: int, texts: Texts) -> InlineKeyboardMarkup | None:
    """◀ Older and Newer ▶ one page; ⏮ First and Latest ⏭ jump, when that is more than one page."""
    def button(key: str, target: int) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=texts.plain(key),
                                    callback_data=ConversationV1(ticket=number, page=target).pack())

    steps = [button("button-conversation-older", at - 1)] if at > 1 else []
    steps += [button("button-conversation-newer", at + 1)] if at < total else []
    jumps = [button("button-conversation-first", 1)] if at > 2 else []
    jumps += [button("button-conversation-latest", total)] if at < total - 1 else []
    if not steps:
        return None
    kb = InlineKeyboardBuilder()
    kb.row(*steps)
    if jumps:
        kb.row(*jumps)
    return kb.as_markup()


class _Filler:
    """Blocks onto pages; `room` is a page's visible characters less its header."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.pages: list[list[Safe]] = []
        self.blocks: list[Safe] = []
        self.used = 0

    def left(self) -> int:
        """Room for the next block on this page, the blank line before it counted."""
        if len(self.blocks) >= MAX_ENTRIES:
            return 0
        return self.room - self.used - (_GAP if self.blocks else 0)

    def add(self, block: Safe, length: int) -> None:
        """`length`: the block's visible characters, known to the caller without unescaping it again."""
        self.used += length + (_GAP if self.blocks else 0)
        self.blocks.append(block)

    def turn(self) -> None:
        if self.blocks:
            self.pages.append(self.blocks)
            self.blocks, self.used = [], 0


def _add(filler: _Filler, entry: Entry, texts: Texts, zone: tzinfo) -> None:
    head = _head(entry, texts, zone, continued=False)
    text = entry.body.strip()
    if not text:
        block = Safe(f"{head}\n{texts.t('conversation-no-text')}")
        if visible_length(block) > filler.left():
            filler.turn()
        filler.add(block, visible_length(block))
        return
    continued = _head(entry, texts, zone, continued=True)
    while text:
        head_length = visible_length(head) + 1  # and its line break
        here = filler.left() - head_length
        if not _fits(text, here) and (_fits(text, filler.room - head_length) or here < MIN_PIECE):
            filler.turn()  # it fits a fresh page, or too little of it would fit here
            here = filler.left() - head_length
        piece, rest = split(text, here)
        filler.add(Safe(f"{head}\n{html.escape(piece, quote=False)}"), head_length + utf16_len(piece))
        head, text = continued, rest.lstrip()


def _fits(text: str, room: int) -> bool:
    # A code point is one or two UTF-16 units: only a short text needs measuring (a long mail stays linear).
    return len(text) <= room and utf16_len(text) <= room


def _head(entry: Entry, texts: Texts, zone: tzinfo, *, continued: bool) -> Safe:
    # Anything but mail in or out is taken for internal: better marked too much than shown as sent.
    kind = entry.direction if entry.direction in ("in", "out") else "note"
    parts = [texts.t(f"conversation-{kind}", who=cut(entry.who, NAME_CHARS),
                     time=entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"))]
    if entry.auto:
        parts.append(texts.t("conversation-auto"))
    if continued:
        parts.append(texts.t("conversation-continued"))
    return Safe(" ".join(parts))
