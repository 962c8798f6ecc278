"""Telegram's limits, kept on our side: flood limits, so that a 429 stays the exception,
and the length of a message.

Telegram's Bots FAQ gives them loosely: about 30 messages a second overall,
about one a second in one chat, 20 a minute in a group (a negative chat id,
which is also subject to the per-chat limit). `FloodControl` keeps a sliding
window per limit and the waits Telegram imposed with 429; it is pure: time is
a function handed in, so tests move time instead of sleeping.
"""
from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from deskbot.bot.render.texts import MESSAGE_LIMIT, cut, utf16_len
from deskbot.dispatch.background import backoff  # noqa: F401  (the senders' shared retry rule)

_FORGET_AFTER = 1000  # chats remembered before idle ones are dropped
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    period: float  # seconds


@dataclass(frozen=True, slots=True)
class Limits:
    overall: Rate | None = Rate(30, 1.0)
    per_chat: Rate | None = Rate(1, 1.0)
    per_group: Rate | None = Rate(20, 60.0)
    # Our clock and Telegram's never agree exactly: a window counts as free a little late.
    margin: float = 0.05


TELEGRAM_LIMITS = Limits()  # as the Bots FAQ gives them


class _Window:
    def __init__(self, rate: Rate, margin: float) -> None:
        self.rate = rate
        self.span = rate.period + margin
        self.times: deque[float] = deque()

    def prune(self, now: float) -> bool:
        """Forget what left the window; True when nothing is left in it."""
        while self.times and self.times[0] + self.span <= now:
            self.times.popleft()
        return not self.times

    def wait(self, now: float) -> float:
        self.prune(now)
        if len(self.times) < self.rate.count:
            return 0.0
        return self.times[0] + self.span - now


class FloodControl:
    """When the next message may go to a chat, given what was sent and what Telegram said."""

    def __init__(self, limits: Limits, now: Callable[[], float]) -> None:
        self.limits = limits
        self._now = now
        self._overall = _Window(limits.overall, limits.margin) if limits.overall else None
        self._chats: dict[int, list[_Window]] = {}
        self._held: dict[int, float] = {}  # chat -> time its 429 wait ends
        self._all_held_until = 0.0

    def delay(self, chat_id: int) -> float:
        """Seconds until a message to `chat_id` fits every limit (0: now)."""
        now = self._now()
        waits = [self._all_held_until - now, self._held.get(chat_id, 0.0) - now]
        if self._overall:
            waits.append(self._overall.wait(now))
        waits.extend(w.wait(now) for w in self._chats.get(chat_id, ()))
        return max(0.0, *waits)

    def spend(self, chat_id: int) -> None:
        """Count one message to `chat_id`, sent now."""
        now = self._now()
        if self._overall:
            self._overall.times.append(now)
        for window in self._windows(chat_id):
            window.prune(now)  # memory stays bounded by the window
            window.times.append(now)
        if len(self._chats) > _FORGET_AFTER:
            self._forget_idle(now)

    def hold(self, chat_id: int, seconds: float) -> bool:
        """Telegram answered 429 in `chat_id`: nothing goes there for `seconds`.

        Telegram does not say whether the bot or the chat is over its limit. A
        second chat refused while another still waits means the bot is: then
        every chat waits. Returns True when the hold became bot-wide.
        """
        now = self._now()
        until = now + seconds + self.limits.margin
        bot_wide = any(end > now for chat, end in self._held.items() if chat != chat_id)
        self._held[chat_id] = max(until, self._held.get(chat_id, 0.0))
        if bot_wide:
            self._all_held_until = max(self._all_held_until, until)
        return bot_wide

    def hold_all(self, seconds: float) -> None:
        """Nothing goes anywhere for `seconds` (Telegram unreachable, or a bot-wide 429)."""
        self._all_held_until = max(self._all_held_until, self._now() + seconds)

    def _windows(self, chat_id: int) -> list[_Window]:
        windows = self._chats.get(chat_id)
        if windows is None:
            rates = [self.limits.per_chat, self.limits.per_group if chat_id < 0 else None]
            windows = self._chats[chat_id] = [_Window(r, self.limits.margin) for r in rates if r]
        return windows

    def _forget_idle(self, now: float) -> None:
        for chat in [c for c, ws in self._chats.items() if all(w.prune(now) for w in ws)]:
            del self._chats[chat]
        for chat in [c for c, end in self._held.items() if end <= now]:
            del self._held[chat]


def fit_text(text: str, parse_mode: str | None) -> tuple[str, str | None] | None:
    """(text, parse_mode) cut to Telegram's 4096 visible characters, or None when it fits.

    Telegram counts what is shown, so HTML is measured without its tags and with its
    entities decoded. A cut drops the formatting: a tag cut in half would not parse,
    and escaped plain text always does.
    """
    as_html = (parse_mode or "").upper() == "HTML"
    visible = html.unescape(_TAG.sub("", text)) if as_html else text
    if utf16_len(visible) <= MESSAGE_LIMIT:
        return None
    short = cut(visible, MESSAGE_LIMIT)
    return (html.escape(short, quote=False), parse_mode) if as_html else (short, None)
