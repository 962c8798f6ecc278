"""Parser worker processes: parsing is CPU-bound, so it runs beside the IMAP thread and the database.

A worker that dies (a parser crash on hostile input) is replaced; its batch is parsed
again one message at a time, and the message that kills a worker is quarantined.

Workers are plain child processes (mailbox/parse_worker.py) talking over their stdin and stdout:
started when mail comes and when the service starts, they end after `idle_exit` seconds without
work, so an idle service holds no parser. The pool is not multiprocessing's: that needs its
forkserver and its resource tracker, two more resident processes of 13-14 MB each, besides the
workers (benchmarks/README.md, *Memory*). The service's process imports no parser code: the
workers do.
"""
from __future__ import annotations

import asyncio
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from deskbot.mailbox.identity import unparseable
from deskbot.mailbox.inbound import InboundMail, ParseOptions
from deskbot.mailbox.parse_worker import read_message, write_message

log = logging.getLogger("deskbot.parse")
IDLE_EXIT = 60.0  # seconds; a new worker costs about a tenth of a second of one core
_START = "from deskbot.mailbox.parse_worker import serve; serve()"


class WorkerDied(Exception):
    """The worker process ended with a request in hand."""


class _Worker:
    def __init__(self) -> None:
        # A plain exec (not a fork of this threaded process); nothing of ours is inherited but the pipes.
        self.proc = subprocess.Popen([sys.executable, "-c", _START], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.last_used = time.monotonic()
        write_message(self.proc.stdin, pickle.dumps(sys.path))

    def call(self, request: bytes) -> tuple[bool, object]:
        try:
            write_message(self.proc.stdin, request)
            answer = read_message(self.proc.stdout)
        except (BrokenPipeError, ConnectionResetError):
            answer = None
        if answer is None:
            raise WorkerDied
        return pickle.loads(answer)

    def stop(self) -> None:
        """Let it go: an ended stdin ends it; one that does not end in time is killed."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


class ParsePool:
    def __init__(self, options: ParseOptions, workers: int = 0, parse_fn=None,
                 idle_exit: float | None = IDLE_EXIT) -> None:
        """`parse_fn`: None for `deskbot.mailbox.parse.parse_batch`, else a module-level function (it is
        pickled by name to the workers); `idle_exit`: None keeps workers until `close()`."""
        self.options = options
        self.parse_fn = parse_fn
        self.workers = workers or os.cpu_count() or 1
        self.idle_exit = idle_exit
        self._threads: ThreadPoolExecutor | None = None  # one per worker, waiting on its pipe
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self._reaper: asyncio.TimerHandle | None = None

    async def warm_up(self) -> None:
        """Start a worker now, so that the first mail does not wait for it."""
        await self._call([])

    async def parse(self, raws: list[bytes]) -> list[InboundMail]:
        try:
            return await self._call(raws)
        except WorkerDied:
            log.error("a parser process died; parsing this batch one message at a time")
        mails = []
        for raw in raws:
            try:
                mails.append((await self._call([raw]))[0])
            except WorkerDied:
                mails.append(unparseable(raw, "the parser crashed on this message"))
        return mails

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        if self._reaper is not None:
            self._reaper.cancel()
        for worker in idle:
            worker.stop()
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)  # a busy worker is stopped when it is done
            self._threads = None

    @property
    def running(self) -> int:
        """Worker processes alive and waiting for work."""
        return len(self._idle)

    async def _call(self, raws: list[bytes]) -> list[InboundMail]:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="parse")
        request = pickle.dumps((self.parse_fn, raws, self.options), pickle.HIGHEST_PROTOCOL)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._threads, self._run, request)
        finally:
            self._reap_later(loop)

    def _run(self, request: bytes):
        """In one of the pool's threads: a free worker (or a new one) takes the request."""
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        worker = worker or _Worker()
        try:
            ok, result = worker.call(request)
        except BaseException:
            worker.proc.kill()
            worker.stop()
            raise
        worker.last_used = time.monotonic()
        with self._lock:
            keep = not self._closed
            if keep:
                self._idle.append(worker)
        if not keep:
            worker.stop()
        if not ok:
            raise result
        return result

    def _reap_later(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.idle_exit is None or self._closed:
            return
        if self._reaper is not None:
            self._reaper.cancel()
        self._reaper = loop.call_later(self.idle_exit, self._reap, loop)

    def _reap(self, loop: asyncio.AbstractEventLoop) -> None:
        """Let the workers that had no work for `idle_exit` seconds go (a busy one is not in `_idle`)."""
        self._reaper = None
        cutoff = time.monotonic() - self.idle_exit + 0.5
        with self._lock:
            if self._closed:
                return
            old = [w for w in self._idle if w.last_used <= cutoff]
            self._idle = [w for w in self._idle if w.last_used > cutoff]
        for worker in old:
            loop.run_in_executor(self._threads, worker.stop)
        if self._idle:
            self._reaper = loop.call_later(self.idle_exit, self._reap, loop)
