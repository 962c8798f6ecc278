"""The page's live view: one snapshot, rebuilt a moment after anything changes, and pushed to
every open WebSocket when it differs from the last one ("version" counts those changes)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from deskbot.demo.botapi import FakeTelegram

log = logging.getLogger("deskbot.demo")
SETTLE = 0.1  # seconds: a tap makes several changes (answer, edit, send); the page gets them as one


class Live:
    def __init__(self, fake: FakeTelegram, build: Callable[[], dict[str, Any]]) -> None:
        self.fake = fake
        self.build = build
        self.version = 0
        self._pushed = 0  # the version the listeners have (a GET of the state may build a newer one)
        self._last: dict[str, Any] | None = None
        self._poked = asyncio.Event()
        self._listeners: set[asyncio.Queue] = set()
        self._tasks: list[asyncio.Task] = []

    def poke(self) -> None:
        """Something changed (a mail, a restart): rebuild soon."""
        self._poked.set()

    def current(self) -> dict[str, Any]:
        """The snapshot now, with its version."""
        state = self.build()
        if state != self._last:
            self._last, self.version = state, self.version + 1
        return {**self._last, "version": self.version}

    @contextlib.contextmanager
    def listening(self):
        """A queue that receives each new snapshot (only the latest is kept)."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=1)
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._follow_fake(), name="demo: follow the Bot API"),
                       asyncio.create_task(self._push(), name="demo: push snapshots")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _follow_fake(self) -> None:
        seen = self.fake.version
        while True:
            seen = await self.fake.wait_for_version(seen, 60)
            self.poke()

    async def _push(self) -> None:
        while True:
            await self._poked.wait()
            await asyncio.sleep(SETTLE)  # a debounce: the changes of one tap arrive within it
            self._poked.clear()
            try:
                state = self.current()
            except Exception:  # the page misses one update; the next change rebuilds
                log.exception("demo: the snapshot failed")
                continue
            if state["version"] == self._pushed:
                continue
            self._pushed = state["version"]
            for queue in list(self._listeners):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(state)
