"""The mailbox poller: IMAP IDLE (or polling), fetch, parse and store overlapped, flag after commit.

Fetching runs on one IMAP thread, parsing in worker processes (both cores work),
storing in the event loop; a batch is flagged \\Seen (or moved) only after the
sink has committed it. Any connection trouble tears the connection down; the
next round builds a fresh one, with backoff.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from deskbot.mailbox.failures import NEEDS_A_PERSON, Failure, Watcher, classify_imap
from deskbot.mailbox.imap import CONNECTION_ERRORS, ImapConnection, ImapSettings
from deskbot.mailbox.inbound import Fetched, InboundMail, ParseOptions
from deskbot.mailbox.identity import mail_key
from deskbot.mailbox.parse_pool import ParsePool
from deskbot.mailbox.waits import first_of
from deskbot.telemetry import metrics

log = logging.getLogger("deskbot.poller")
MAX_BATCH_BYTES = 16 * 1024 * 1024
MAX_BACKOFF = 60.0
# A refused login waits longer (doubling from the first to the second): a server that locks an
# account after repeated failures is not hammered, and a fixed password is seen within minutes.
LOGIN_BACKOFF = (60.0, 600.0)


class Sink(Protocol):
    """Where fetched mail goes (deskbot.dispatch.ingest.Ingest)."""

    async def state(self) -> tuple[int, int] | None: ...
    async def known_keys(self, keys: Iterable[str]) -> set[str]: ...
    async def store(self, uidvalidity: int, batch: list[Fetched], last_uid: int) -> Any: ...
    async def advance(self, uidvalidity: int, last_uid: int) -> None: ...


class Poller:
    def __init__(
        self,
        settings: ImapSettings,
        sink: Sink,
        options: ParseOptions,
        *,
        idle: bool = True,
        poll_every: float = 60.0,
        batch_size: int = 250,
        workers: int = 0,
        watcher: Watcher | None = None,
    ) -> None:
        self.settings = settings
        self.sink = sink
        self.options = options
        self.idle = idle
        self.poll_every = poll_every
        self.batch_size = batch_size
        self.parser = ParsePool(options, workers)
        self.workers = self.parser.workers
        self._imap_thread = ThreadPoolExecutor(1, thread_name_prefix="imap")
        self._conn: ImapConnection | None = None
        self._stop = threading.Event()
        self._stopped = asyncio.Event()
        # wake(): the IMAP thread sees the first, the event loop's wait the second.
        self._poke, self._woken = threading.Event(), asyncio.Event()
        self._recover = True  # look for stored-but-unflagged mail once per connection
        self.watcher = watcher  # told of every failed and every new connection (incidents)
        self._sessions = 0  # IMAP sessions opened: any after the first is a reconnect

    # -- lifecycle -------------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        self._stopped.set()

    def resume(self) -> None:
        """After stop(), run() may be called again: an instance that leads the mailbox again."""
        self._stop.clear()
        self._stopped.clear()
        self._recover = True

    async def disconnect(self) -> None:
        """Log out (the lead of the mailbox went to another instance); run() connects again."""
        await self._disconnect()

    def wake(self) -> None:
        """Look at the mailbox now (the scheduler's safety poll): ends an IDLE or a wait early.

        From the event loop's thread. A wake during a round makes the next round start at once.
        """
        self._poke.set()
        self._woken.set()

    @property
    def connected(self) -> bool:
        """An IMAP session is up (logged in, the folder selected): for the service's /readyz."""
        return self._conn is not None

    async def close(self) -> None:
        await self._disconnect()
        self._imap_thread.shutdown(wait=True)
        self.parser.close()

    async def poll_once(self) -> None:
        await self._connect()
        await self.sync()

    async def run(self) -> None:
        """Until stop(): sync, then wait for new mail; survive any failure, with backoff."""
        await self.parser.warm_up()
        failures = 0
        while not self._stop.is_set():
            try:
                if await self._connect() and self.watcher is not None:
                    await self.watcher.working()
                self._poke.clear()  # this round looks anyway
                self._woken.clear()
                await self.sync()
                failures = 0
                await self._wait_for_mail()
            except Exception as exc:  # noqa: BLE001 - the service must outlive any one failure
                failures += 1
                await self._disconnect()
                await self._after_failure(exc, failures)

    async def _after_failure(self, exc: Exception, failures: int) -> None:
        """Log the detail, tell the watcher what kind of trouble the mailbox is in, wait the backoff."""
        if not isinstance(exc, CONNECTION_ERRORS):  # the database, a bug: not the mail server's doing
            metrics.IMAP_FAILURES.labels("internal").inc()
            delay = min(2.0 ** (min(failures, 32) - 1), MAX_BACKOFF)
            log.warning("mailbox round failed (%s: %s); retrying in %.0fs", type(exc).__name__, exc, delay)
            await self._sleep(delay)
            return
        failure = classify_imap(exc)
        metrics.IMAP_FAILURES.labels(str(failure.kind)).inc()
        delay = retry_delay(failure, failures)
        log.warning("mailbox round failed (%s); retrying in %.0fs", failure, delay)
        if self.watcher is not None:
            await self.watcher.failing(failure)
        await self._sleep(delay)

    # -- one round ---------------------------------------------------------------------------------
    async def sync(self) -> None:
        conn = self._conn
        assert conn is not None
        await self._imap(conn.new_mail_announced)  # what this round will fetch anyway
        state = await self.sink.state()
        current = conn.uidvalidity
        unprocessed = "ALL" if self.settings.processed_folder else "UNSEEN"
        if state is None:
            log.info("first run on %s: taking %s messages", self.settings.folder, unprocessed.lower())
            uids = await self._imap(conn.uids_up_to, 2**32 - 1, unprocessed)
            # Older, already read mail is left alone: later rounds start after it.
            await self._ingest(uids, current, check_known=False, floor=conn.uidnext - 1)
        elif state[0] != current:
            log.warning("UIDVALIDITY of %s changed (%d -> %d): rescanning, known mail is skipped",
                        self.settings.folder, state[0], current)
            uids = await self._imap(conn.uids_after, 0)
            await self._ingest(uids, current, check_known=True)
        else:
            last_uid = state[1]
            if self._recover:
                # A crash between commit and flag leaves stored mail unflagged: flag it now.
                leftover = await self._imap(conn.uids_up_to, last_uid, unprocessed)
                await self._ingest(leftover, current, check_known=True)
            await self._ingest(await self._imap(conn.uids_after, last_uid), current, check_known=False)
        self._recover = False

    async def _ingest(
        self, uids: list[int], uidvalidity: int, *, check_known: bool, floor: int | None = None
    ) -> None:
        if not uids:
            if floor is not None:
                await self.sink.advance(uidvalidity, floor)
            return
        conn = self._conn
        assert conn is not None
        fetched: asyncio.Queue[tuple[list[int], dict[int, bytes]] | None] = asyncio.Queue(self.workers + 1)
        fetcher = asyncio.create_task(self._fetch_all(uids, uidvalidity, check_known, fetched))
        pending: deque[tuple[list[int], dict[int, bytes], asyncio.Future[list[InboundMail]]]] = deque()
        try:
            while (item := await fetched.get()) is not None:
                batch_uids, raws = item
                pending.append((batch_uids, raws, asyncio.ensure_future(self.parser.parse(list(raws.values())))))
                if len(pending) > self.workers:
                    await self._store(uidvalidity, *pending.popleft())
            while pending:
                await self._store(uidvalidity, *pending.popleft())
            await fetcher
        finally:
            fetcher.cancel()
            for _u, _r, future in pending:
                future.cancel()
        await self.sink.advance(uidvalidity, max(floor or 0, *uids))

    async def _fetch_all(self, uids: list[int], uidvalidity: int, check_known: bool, out: asyncio.Queue) -> None:
        conn = self._conn
        assert conn is not None
        try:
            for chunk in _chunks(uids, 1000):
                sizes = await self._imap(conn.sizes, chunk)
                for batch in _batches([u for u in chunk if u in sizes], sizes, self.batch_size):
                    raws = await self._imap(conn.fetch, batch)
                    if check_known:
                        raws = await self._skip_known(raws)
                    if raws:
                        await out.put((list(raws), raws))
        finally:
            await out.put(None)

    async def _skip_known(self, raws: dict[int, bytes]) -> dict[int, bytes]:
        """Mark mail we already stored as processed, without parsing or storing it again.

        A mail's identity covers its body (mailbox/identity.py), so the body is fetched;
        what is not stored yet goes on to be parsed without a second fetch. Only a
        crash's leftovers and a UIDVALIDITY change's rescan come this way.
        """
        conn = self._conn
        assert conn is not None
        keys = await self._imap(_keys_of, raws)
        known = await self.sink.known_keys(keys.values())
        done = [uid for uid, key in keys.items() if key in known]
        if done:
            log.info("%d message(s) in %s were already stored: marking them processed", len(done), self.settings.folder)
            await self._imap(conn.mark_processed, done)
        return {uid: raw for uid, raw in raws.items() if keys[uid] not in known}

    async def _store(self, uidvalidity: int, uids: list[int], raws: dict[int, bytes], parsing) -> None:
        mails = await parsing
        batch = [Fetched(uid, raw, mail) for (uid, raw), mail in zip(raws.items(), mails, strict=True)]
        await self.sink.store(uidvalidity, batch, max(uids))
        conn = self._conn
        assert conn is not None
        # Mail that vanished between SEARCH and FETCH is simply not in `raws`.
        await self._imap(conn.mark_processed, list(raws))

    # -- connection --------------------------------------------------------------------------------
    async def _connect(self) -> bool:
        """Log in and select the folder unless connected; True when a new connection was made."""
        if self._conn is not None:
            return False
        conn = ImapConnection(self.settings)
        await self._imap(conn.open)
        self._conn = conn
        self._recover = True
        self._sessions += 1
        if self._sessions > 1:
            metrics.IMAP_RECONNECTS.inc()
        log.info("connected to %s:%d, folder %s (UIDVALIDITY %d, IDLE %s)", self.settings.host,
                 self.settings.port, self.settings.folder, conn.uidvalidity, "yes" if conn.can_idle else "no")
        return True

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._imap(conn.close)

    async def _wait_for_mail(self) -> None:
        conn = self._conn
        if self.idle and conn is not None and conn.can_idle:
            await self._imap(conn.idle_until_change, self.poll_every, self._stop, self._poke)
        else:
            await first_of(self._woken.wait(), self._sleep(self.poll_every))
            if conn is not None and not self._stop.is_set():
                await self._imap(conn.refresh)  # so that the next round's SEARCH sees what came meanwhile

    async def _sleep(self, seconds: float) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can lose a cancel that lands as the event is set.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopped.wait()

    async def _imap(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._imap_thread, fn, *args)


def _keys_of(raws: dict[int, bytes]) -> dict[int, str]:
    return {uid: mail_key(raw) for uid, raw in raws.items()}


def retry_delay(failure: Failure, failures: int) -> float:
    """Seconds before the next attempt after `failures` failed rounds in a row."""
    first, cap = LOGIN_BACKOFF if failure.kind in NEEDS_A_PERSON else (1.0, MAX_BACKOFF)
    return min(first * 2.0 ** (min(failures, 32) - 1), cap)  # days of failures must not overflow a float


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _batches(uids: list[int], sizes: dict[int, int], count: int) -> Iterable[list[int]]:
    """At most `count` messages and about MAX_BATCH_BYTES a batch: memory stays flat."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        if batch and (len(batch) >= count or total + sizes[uid] > MAX_BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += sizes[uid]
    if batch:
        yield batch
