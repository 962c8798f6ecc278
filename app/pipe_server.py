"""The service's end of the MTA's pipe: a unix socket on which `deskbot ingest` hands mail in.

Each connection carries one message (the wire: mailbox/pipe.py). It is stored by the pipe
intake (dispatch/pipe_intake.py), whose commit wakes the announcer: the card does not wait
for a sweep period. When it cannot be stored now, the answer is `tempfail`: the command
exits 75 and the MTA keeps the mail and tries again.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from deskbot.dispatch.background import SHUTDOWN_GRACE
from deskbot.dispatch.batch import Stored
from deskbot.mailbox.pipe import MAX_MESSAGE, answer_line

log = logging.getLogger("deskbot.pipe")
READ_TIMEOUT = 120.0  # a client that sends nothing does not hold a connection forever

HandIn = Callable[[bytes], Awaitable[Stored]]


@contextlib.asynccontextmanager
async def listening(path: Path, mode: int, hand_in: HandIn,
                    max_message: int = MAX_MESSAGE) -> AsyncIterator[asyncio.AbstractServer | None]:
    """Serve the socket until the block ends; mail being stored then is finished first (within the grace).

    A message over `max_message` bytes is not read further: the answer is `tempfail` (the MTA's policy decides).
    """
    handlers: set[asyncio.Task] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        handlers.add(task)
        try:
            await _one(reader, writer, hand_in, max_message)
        finally:
            handlers.discard(task)

    # A socket left by a service that died is replaced (asyncio removes a stale socket file).
    try:
        server = await asyncio.start_unix_server(serve, path=str(path))
        os.chmod(path, mode)  # the MTA's command runs as another user, often in this group
    except OSError as exc:
        # Mail still flows: `deskbot ingest` then stores it in the database itself, more slowly.
        log.error("cannot take piped mail on %s (%s): `deskbot ingest` stores mail in the database itself, "
                  "and its tickets are announced at the next sweep", path, exc.strerror or exc)
        yield None
        return
    log.info("taking piped mail on %s (mode %04o)", path, mode)
    try:
        yield server
    finally:
        server.close()
        if handlers:
            await asyncio.wait(handlers, timeout=SHUTDOWN_GRACE)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, hand_in: HandIn, max_message: int) -> None:
    try:
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                raw = await _read_capped(reader, max_message)
        except (TimeoutError, ConnectionError):
            return  # nothing was stored, and the command did not get "ok": the MTA keeps the mail
        try:
            if raw is None:
                log.warning("piped mail over %d bytes not stored: the MTA keeps it or bounces it", max_message)
                answer = answer_line(False, f"the mail is larger than the {max_message} bytes deskbot takes")
            elif not raw.strip():
                answer = answer_line(False, "an empty message: nothing stored")
            else:
                stored = await hand_in(raw)
                answer = answer_line(True, f"{stored.outcome.value} {stored.ticket_id or '-'}")
        except Exception as exc:  # the database, most likely: the MTA tries again later
            log.warning("piped mail (%d bytes) not stored now, the MTA keeps it: %s", len(raw), _brief(exc))
            answer = answer_line(False, "cannot store the mail now")
        writer.write(answer)
        await writer.drain()
    except ConnectionError:
        pass  # the command gave up (its own timeout): it exits 75, and the retry is a duplicate
    finally:
        writer.close()


async def _read_capped(reader: asyncio.StreamReader, limit: int) -> bytes | None:
    """The whole message, or None once it passes `limit` bytes (the rest is not read)."""
    chunks, size = [], 0
    while chunk := await reader.read(1 << 16):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _brief(exc: BaseException) -> str:
    text = (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0]
    return f"{type(exc).__name__}: {text[:200]}"
