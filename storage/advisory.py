"""A PostgreSQL session-level advisory lock held on a connection of its own.

The lock lives as long as that connection's session: when the process holding it dies (even
by SIGKILL), PostgreSQL ends the session as the TCP connection closes and the lock is free.
The connection is not the pool's: a pooled connection goes back to the pool (and may be
reset or recycled) while the lock should stay, so each lock opens its own (NullPool).
"""
from __future__ import annotations

import asyncio
import hashlib
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger("deskbot.advisory")
CHECK_TIMEOUT = 3.0  # seconds: a lock connection that does not answer a probe this fast counts as lost


def lock_key(name: str) -> int:
    """A stable 64-bit key for a name ("mailbox support@example.com@imap.example.com/INBOX"):
    every instance, whatever its version of Python, derives the same one."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


XACT_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


async def one_at_a_time(session: AsyncSession, name: str) -> None:
    """Within the session's transaction, wait for the instances doing the same (PostgreSQL; a start
    of several at once syncing the config's staff, say); nothing on SQLite, where one instance runs."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(XACT_LOCK, {"key": lock_key(name)})


class AdvisoryLock:
    """`await acquire()` (without waiting), `await held()` (the lock's connection still answers),
    `await release()`. One connection, kept between attempts: a follower asks again every few
    seconds without connecting anew. Not for SQLite: one instance there, always the leader."""

    def __init__(self, url: str, name: str) -> None:
        self.name, self.key = name, lock_key(name)
        self._engine: AsyncEngine = create_async_engine(url, poolclass=NullPool)
        self._conn: AsyncConnection | None = None
        self.owned = False

    async def acquire(self) -> bool:
        """True when this instance now holds the lock (or held it already)."""
        if self.owned and self._conn is not None:
            return True
        if self._conn is None:
            self._conn = await self._engine.connect()
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                got = await self._conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
                await self._conn.commit()  # the lock is the session's: no transaction stays open
        except BaseException:
            await self._drop()
            raise
        self.owned = bool(got)
        return self.owned

    async def held(self) -> bool:
        """Whether the lock's session still answers; a connection that fails or stalls is dropped
        (and with it the lock, on the server's side, if it was not already gone)."""
        if not self.owned or self._conn is None:
            return False
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await self._conn.scalar(text("SELECT 1"))
                await self._conn.commit()
            return True
        except Exception as exc:  # noqa: BLE001 - any failure of the probe means the lock cannot be trusted
            log.debug("lock %r: probe failed: %s", self.name, exc)
            await self._drop()
            return False

    async def release(self) -> None:
        """Closing the session releases its locks."""
        await self._drop()

    async def close(self) -> None:
        await self._drop()
        await self._engine.dispose()

    async def _drop(self) -> None:
        conn, self._conn, self.owned = self._conn, None, False
        if conn is not None:
            await _close(conn)


async def _close(conn: AsyncConnection) -> None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await conn.close()
    except Exception:  # noqa: BLE001 - a dead connection: invalidate it, the server has let go of its session
        try:
            await conn.invalidate()
        except Exception:  # noqa: BLE001
            pass
