"""The bot's pending updates and getUpdates long polling, as Telegram runs them.

- Updates stay queued until confirmed: a getUpdates with ``offset`` forgets
  every update with a smaller id (a negative offset keeps only the last ones).
  So an answer lost on the way (dropped connection) is delivered again.
- ``allowed_updates`` is a setting remembered from the last call that passed
  it; it filters updates when they are created, as Telegram does.
- A second getUpdates while one is waiting ends the first with 409 Conflict
  ("terminated by other getUpdates request"), which is how two bot instances
  on one token show up.
"""
from __future__ import annotations

import asyncio
import itertools
from typing import Any, Callable

from .errors import ApiError

# Telegram's default when allowed_updates was never given, or given empty.
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})



def conflict_with_poll() -> ApiError:
    return ApiError(409, "Conflict: terminated by other getUpdates request; "
                         "make sure that only one bot instance is running")


def conflict_with_webhook() -> ApiError:
    return ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                         "use deleteWebhook to delete the webhook first")


class UpdateQueue:
    def __init__(self, on_change: Callable[[], None] = lambda: None,
                 first_update_id: int = 100_000_001):
        self._on_change = on_change  # a poll starting or ending to wait is news for wait_for()
        self.pending: list[dict[str, Any]] = []
        self.filtered: list[dict[str, Any]] = []  # created while allowed_updates excluded them
        self.allowed: frozenset[str] | None = None  # None: Telegram's default
        self._ids = itertools.count(first_update_id)
        self._poller: asyncio.Future[str] | None = None
        self._nonempty = asyncio.Event()  # for webhook delivery
        self.closing = False

    @property
    def polling(self) -> bool:
        """A getUpdates call is waiting for updates now."""
        return self._poller is not None and not self._poller.done()

    def allows(self, kind: str) -> bool:
        return kind in self.allowed if self.allowed else kind not in DEFAULT_EXCLUDED

    def set_allowed(self, kinds: list[str] | None) -> None:
        if kinds is not None:
            self.allowed = frozenset(kinds) or None

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Create an update; it is queued only if allowed_updates lets it through."""
        update = {"update_id": next(self._ids), kind: payload}
        if not self.allows(kind):
            self.filtered.append(update)
            return update
        self.pending.append(update)
        self._nonempty.set()
        self._wake("updates")
        return update

    def confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        else:
            self.pending = self.pending[offset:]

    def drop_pending(self) -> None:
        self.pending.clear()

    def _wake(self, reason: str) -> None:
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(reason)

    def close(self) -> None:
        """Answer every waiting poll now (with no updates), so the server can stop."""
        self.closing = True
        self._nonempty.set()
        self._wake("closing")

    async def wait_pending(self) -> None:
        while not self.pending and not self.closing:
            self._nonempty.clear()
            await self._nonempty.wait()

    async def get(self, *, offset: int | None, limit: int, timeout: float) -> list[dict[str, Any]]:
        self._wake("conflict")  # a poll still waiting is "terminated by other getUpdates request"
        self.confirm(offset)
        if self.pending or timeout <= 0 or self.closing:
            return self.pending[:limit]
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._poller = waiter
        self._on_change()
        try:
            async with asyncio.timeout(timeout):  # not wait_for: see FakeTelegram.wait_for
                reason = await waiter
        except TimeoutError:
            reason = "timeout"
        finally:
            if self._poller is waiter:
                self._poller = None
            self._on_change()
        if reason == "conflict":
            raise conflict_with_poll()
        return self.pending[:limit]
