"""Telegram's flood control for one bot token, plus the 429 storms a test scripts.

Telegram documents its limits loosely (Bots FAQ, "My bot is hitting limits"):
about 30 messages per second overall, no more than about one message per
second in one chat (short bursts pass), and at most 20 messages per minute in
a group. The fake keeps one sliding window per limit: a call that would go
past a window is refused with 429 and ``retry_after`` = whole seconds until
the oldest call in that window leaves it. Refused calls take no slot.

Telegram also punishes a client that retries before ``retry_after`` has
passed; the fake refuses every such call again and counts it in
``ignored_retry_after``, which is what tests assert to be zero.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Hashable


@dataclass(frozen=True)
class Limit:
    count: int
    period: float  # seconds


@dataclass(frozen=True)
class RateLimits:
    """Each limit may be None (off). Defaults are Telegram's documented ones."""

    overall: Limit | None = Limit(30, 1.0)
    per_chat: Limit | None = Limit(3, 3.0)  # ~1/s sustained, bursts of 3
    per_group: Limit | None = Limit(20, 60.0)  # on top of per_chat, for chat ids < 0

    @classmethod
    def off(cls) -> RateLimits:
        return cls(overall=None, per_chat=None, per_group=None)


@dataclass(frozen=True)
class Refusal:
    retry_after: int
    scope: str  # "overall", "chat", "group" or "scripted"
    ignored_retry_after: bool  # the client came back before an earlier retry_after ran out


@dataclass
class _Window:
    limit: Limit
    calls: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        """Seconds until a slot is free (0 when one is free now)."""
        while self.calls and self.calls[0] <= now - self.limit.period:
            self.calls.popleft()
        if len(self.calls) < self.limit.count:
            return 0.0
        return self.calls[-self.limit.count] + self.limit.period - now


def _whole_seconds(seconds: float) -> int:
    # Telegram's retry_after is an integer >= 1; round up so that waiting it is enough.
    return max(1, math.ceil(seconds - 1e-9))


class RateLimiter:
    """Sliding windows per bot, chat and group, and the retry_after deadlines given out.

    A deadline belongs to the chat whose message got the 429: coming back to
    that chat before it runs out is "ignoring retry_after". While the overall
    window is full every chat is refused, but a chat only counts as ignoring
    once it was itself told to wait, so that concurrent sends into other
    chats are not blamed on the client.
    """

    def __init__(self, limits: RateLimits, clock: Callable[[], float]):
        self.limits = limits
        self._clock = clock
        self._windows: dict[Hashable, _Window] = {}
        self._chat_until: dict[int, tuple[float, str]] = {}
        self._overall_until = 0.0

    def _window(self, key: Hashable, limit: Limit) -> _Window:
        window = self._windows.get(key)
        if window is None or window.limit != limit:
            window = self._windows[key] = _Window(limit)
        return window

    def block(self, chat_id: int, retry_after: int, scope: str) -> Refusal:
        """Tell ``chat_id`` to wait ``retry_after`` seconds (a 429 answer)."""
        until = self._clock() + retry_after
        previous, _ = self._chat_until.get(chat_id, (0.0, ""))
        self._chat_until[chat_id] = (max(previous, until), scope)
        if scope == "overall":
            self._overall_until = max(self._overall_until, until)
        return Refusal(retry_after, scope, ignored_retry_after=False)

    def refusal(self, chat_id: int) -> Refusal | None:
        """Refuse at once if ``chat_id`` or the bot is still under a retry_after."""
        now = self._clock()
        until, scope = self._chat_until.get(chat_id, (0.0, ""))
        if until > now:
            return Refusal(_whole_seconds(until - now), scope, ignored_retry_after=True)
        if self._overall_until > now:
            return self.block(chat_id, _whole_seconds(self._overall_until - now), "overall")
        return None

    def take(self, chat_id: int) -> Refusal | None:
        """Take a slot in every window for one message into ``chat_id``, or refuse."""
        now = self._clock()
        windows = []
        if self.limits.overall:
            windows.append(("overall", self._window("overall", self.limits.overall)))
        if self.limits.per_chat:
            windows.append(("chat", self._window(("chat", chat_id), self.limits.per_chat)))
        if chat_id < 0 and self.limits.per_group:
            windows.append(("group", self._window(("group", chat_id), self.limits.per_group)))
        longest, scope = max(((w.wait(now), s) for s, w in windows), default=(0.0, ""))
        if longest > 0:
            return self.block(chat_id, _whole_seconds(longest), scope)
        for _, window in windows:
            window.calls.append(now)
        return None

    def reset(self) -> None:
        self._windows.clear()
        self._chat_until.clear()
        self._overall_until = 0.0
