"""Work that one instance alone may do, among several on one PostgreSQL database.

The IMAP poller of a mailbox and the monthly reports' schedule each belong to whichever
instance holds their advisory lock (storage/advisory.py). The others ask again every
RETRY_EVERY seconds: when the leader dies, PostgreSQL ends its session and frees the lock,
and a follower leads within a few seconds. The leader probes its lock's connection every
CHECK_EVERY seconds and stops the work as soon as the probe fails; a new leader waits GRACE
before it starts, so that two instances do not do the work at once. On SQLite there is one
instance: it always leads.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from deskbot.dispatch.config import Config
from deskbot.storage.advisory import CHECK_TIMEOUT, AdvisoryLock
from deskbot.storage.db import is_sqlite

if TYPE_CHECKING:
    from deskbot.mailbox.poller import Poller

log = logging.getLogger("deskbot.leader")
RETRY_EVERY = 1.0  # seconds between a follower's attempts
CHECK_EVERY = 1.0  # seconds between the leader's probes of its lock's connection
# A new leader waits this long before it starts the work: a leader whose session the server ended
# (rather than one that died) has seen it by then and stopped. Take-over: at most RETRY_EVERY + GRACE.
GRACE = CHECK_EVERY + CHECK_TIMEOUT


def lock_for(config: Config, name: str) -> AdvisoryLock | None:
    """The advisory lock called `name` on the config's database; None on SQLite."""
    return None if is_sqlite(config.database.url) else AdvisoryLock(config.database.url, name)


def mailbox_lock_name(config: Config) -> str:
    box = config.mailbox  # as the intake names it (MailboxPlace): a folder's name keeps its case
    return f"mailbox {box.username}@{box.host}".lower() + f"/{box.folder}"


class Leadership:
    """Runs `job` while this instance holds `lock` (always, without a lock). `stand_down` asks the
    job to end (it must then return soon); `on_lead` is called each time this instance starts leading.
    Without a job, leading is only holding the lock (`leading` tells the sweeps that ask)."""

    def __init__(self, lock: AdvisoryLock | None, what: str, job: Callable[[], Awaitable[None]] | None = None,
                 stand_down: Callable[[], None] | None = None, on_lead: Callable[[], None] | None = None) -> None:
        self.lock, self.what = lock, what
        self._job, self._stand_down, self._on_lead = job, stand_down, on_lead
        self._stopping = asyncio.Event()
        self._lost = asyncio.Event()  # the job's end, without a job of its own
        self.leading = False
        self._said_follow = False  # "another instance leads": once per spell as a follower

    def following(self) -> bool:
        """Another instance does the work (never on SQLite, where this one always leads)."""
        return self.lock is not None and not self.leading

    def stop(self) -> None:
        """For good (the service stops): the job is asked to end and the lock is released."""
        self._stopping.set()
        self._end_job()

    async def run(self) -> None:
        if self.lock is None:
            await self._lead()
            return
        lock, trouble = self.lock, None
        try:
            while not self._stopping.is_set():
                try:
                    got = await lock.acquire()
                    trouble = None
                except Exception as exc:  # noqa: BLE001 - the database away: try again, say so once
                    got = False
                    if trouble is None:
                        log.warning("cannot ask the database who leads %s (%s); trying again", self.what,
                                    type(exc).__name__)
                    trouble = exc
                if not got:
                    if trouble is None and not self._said_follow:
                        log.info("another instance leads %s; this one takes over if it stops", self.what)
                        self._said_follow = True
                    await self._wait(RETRY_EVERY)
                    continue
                if await self._lead_while_held(lock) == "lost":
                    await self._wait(GRACE)  # the followers first: they were ready, this one was cut off
        finally:
            await lock.close()

    async def _lead_while_held(self, lock: AdvisoryLock) -> str:
        self._said_follow = False
        await self._wait(GRACE)
        if self._stopping.is_set() or not await lock.held():
            await lock.release()
            return "stopped"
        log.info("this instance now leads %s", self.what)
        job = asyncio.create_task(self._lead())
        lost = False
        try:
            while not job.done() and not self._stopping.is_set():
                await self._wait(CHECK_EVERY, job)
                if not job.done() and not self._stopping.is_set() and not await lock.held():
                    log.warning("lost the database connection that holds the lead of %s: stopping it here",
                                self.what)
                    lost = True
                    break
        finally:
            self._end_job()
            await job
            if not lost:
                await lock.release()
                if self._stopping.is_set():
                    log.info("handing over %s (this instance stops)", self.what)
        return "lost" if lost else "ended"

    async def _lead(self) -> None:
        if self._stopping.is_set():
            return
        self.leading = True
        self._lost.clear()
        try:
            if self._on_lead is not None:
                self._on_lead()
            if self._job is not None:
                await self._job()
            else:
                await self._lost.wait()
        finally:
            self.leading = False

    def _end_job(self) -> None:
        self._lost.set()
        if self.leading and self._stand_down is not None:
            self._stand_down()

    async def _wait(self, seconds: float, job: asyncio.Task | None = None) -> None:
        waits = [asyncio.ensure_future(self._stopping.wait())]
        if job is not None:
            waits.append(job)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        waits[0].cancel()


def mailbox_leadership(config: Config, poller: Poller) -> Leadership:
    """The mailbox's IMAP poller, on the instance that leads it; stored-but-unflagged mail of a
    leader that died is recognised by its key and only flagged (mailbox/poller.py, `_recover`)."""
    name = mailbox_lock_name(config)

    async def poll() -> None:
        poller.resume()
        try:
            await poller.run()
        finally:
            await poller.disconnect()

    return Leadership(lock_for(config, name), f"the IMAP poller of {name.removeprefix('mailbox ')}", poll,
                      poller.stop)


class SecondPoller(Exception):
    """Another instance long-polls Telegram with this bot's token: Telegram allows one."""


async def claim_telegram_polling(config: Config) -> AdvisoryLock | None:
    """In polling mode on PostgreSQL, the lock "telegram polling <bot id>" for as long as the service
    runs; a second instance that polls with the same token is refused (SecondPoller) before it starts."""
    telegram = config.telegram
    token = telegram.token.get_secret_value()
    if telegram.mode != "polling" or not token:
        return None
    bot_id = token.partition(":")[0]
    lock = lock_for(config, f"telegram polling {bot_id}")
    if lock is None or await lock.acquire():
        return lock
    await lock.close()
    raise SecondPoller(
        f"another deskbot instance already long-polls Telegram for bot {bot_id} (Telegram allows one poller per "
        f"bot token): to run several instances, set [telegram] mode = \"webhook\" in each (README: Several instances)")
