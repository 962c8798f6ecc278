"""Parser worker processes: parsing is CPU-bound, so it runs beside the IMAP thread and the database.

A worker that dies (a parser crash on hostile input) is replaced; its batch is parsed
again one message at a time, and the message that kills a worker is quarantined.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from deskbot.mailbox.identity import unparseable
from deskbot.mailbox.inbound import InboundMail, ParseOptions
from deskbot.mailbox.parse import parse_batch

log = logging.getLogger("deskbot.parse")


class ParsePool:
    def __init__(self, options: ParseOptions, workers: int = 0, parse_fn=parse_batch) -> None:
        self.options = options
        self.parse_fn = parse_fn  # module-level, so that it pickles to the workers
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    async def warm_up(self) -> None:
        """Start the workers now, so that the first mail does not wait for them."""
        await asyncio.get_running_loop().run_in_executor(self._executor(), _ready)

    async def parse(self, raws: list[bytes]) -> list[InboundMail]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), self.parse_fn, raws, self.options)
        except BrokenProcessPool:
            log.error("a parser process died; parsing this batch one message at a time")
        mails = []
        for raw in raws:
            try:
                mails.append((await loop.run_in_executor(self._executor(), self.parse_fn, [raw], self.options))[0])
            except BrokenProcessPool:
                mails.append(unparseable(raw, "the parser crashed on this message"))
        return mails

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _executor(self) -> ProcessPoolExecutor:
        pool = self._pool
        if pool is not None and getattr(pool, "_broken", False):
            pool.shutdown(wait=False, cancel_futures=True)
            pool = None
        if pool is None:
            # forkserver: forking a process that runs threads (IMAP, database) is unsafe.
            context = multiprocessing.get_context("forkserver")
            pool = self._pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=exit_with, initargs=(os.getpid(),)
            )
        return pool


def _ready() -> bool:
    return True


def exit_with(parent_pid: int) -> None:
    """Worker initializer: a worker outlives a killed service otherwise (it holds its own queue open)."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
