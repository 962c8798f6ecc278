"""Owned background work: periodic sweeps that can also be woken, and tasks that are never lost track of."""
from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger("deskbot.service")
SHUTDOWN_GRACE = 10.0  # seconds a task gets to finish before it is cancelled


class Sweep:
    """A periodic job that can also be woken: one pass at a time, and a wake during a pass runs another."""

    def __init__(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        self.name, self.job = name, None
        self._work = work
        self._running: asyncio.Task | None = None
        self._again = self._closed = False

    def wake(self) -> None:
        if self._closed or self.job is None:
            return
        if self._running is not None:
            self._again = True
        else:
            self.job.modify(next_run_time=datetime.now(timezone.utc))

    async def run(self) -> None:
        """The scheduler's job: a pass already under way absorbs this run."""
        if self._running is not None:
            return
        self._running = asyncio.current_task()
        try:
            self._again = True
            while self._again and not self._closed:
                self._again = False
                try:
                    await self._work()
                except Exception:  # the database, most likely: the next run tries again
                    log.exception("%s failed; trying again at the next run", self.name)
        finally:
            self._running = None

    async def close(self) -> None:
        """Let a pass under way commit, within SHUTDOWN_GRACE; no pass starts after this."""
        self._closed = True
        if self._running is not None:
            await _finish(self._running, SHUTDOWN_GRACE)


class OwnedTasks:
    """Tasks kept by a strong reference, a failure logged with where the task was started, awaited on close."""

    def __init__(self) -> None:
        self._started: dict[asyncio.Task, traceback.StackSummary] = {}

    def start(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task:
        task = asyncio.create_task(work, name=name)
        self._started[task] = _caller()
        task.add_done_callback(self._ended)
        return task

    def adopt(self, task: asyncio.Task) -> None:
        """A task that a library started (aiogram's handling of an update) is awaited on close like ours."""
        if task not in self._started:
            self._started[task] = _caller()
            task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task) -> None:
        where = self._started.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %r failed; it was started at:\n%s", task.get_name(),
                      "".join(where.format()) if where is not None else "", exc_info=task.exception())

    async def close(self, grace: float | None = None) -> None:
        """Wait for every task to end, within `grace` (SHUTDOWN_GRACE) seconds; then cancel and await it."""
        grace = SHUTDOWN_GRACE if grace is None else grace
        await asyncio.gather(*(_finish(task, grace) for task in list(self._started)))


def _caller() -> traceback.StackSummary:
    """Where start() or adopt() was called from, five frames up; the source lines are read only if the task
    fails (reading them for every task filled the line cache with aiogram's and aiohttp's files: 2 MB)."""
    summary = traceback.StackSummary.extract(traceback.walk_stack(sys._getframe(2)), limit=5, lookup_lines=False)
    summary.reverse()
    return summary


async def _finish(task: asyncio.Task, grace: float) -> None:
    """Wait for the task to end by itself, then cancel it; never raise its outcome."""
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        task.cancel()
        await asyncio.wait({task})


def backoff(failures: int, *, jitter: float, first: float = 1.0, cap: float = 300.0) -> float:
    """Seconds to wait after `failures` failures in a row: doubling up to `cap`.

    `jitter` in [0, 1) (random.random()) scales the wait into [half, whole], so
    that several bots coming back from the same outage do not knock at once.
    """
    whole = min(cap, first * 2.0 ** (min(failures, 32) - 1))
    return whole * (0.5 + jitter / 2)
