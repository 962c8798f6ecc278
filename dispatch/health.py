"""Is this instance ready for work? Named checks, each answering None (fine) or a few words of what is wrong.

The checks are the parts' own (the database here; the IMAP session and Telegram are wired by app/service.py),
run together, each within `timeout`. The words are fixed phrases and class names, never an error's text:
/readyz answers anyone, and an error's text may carry an address or worse.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Check = Callable[[], Awaitable[str | None]]


class Readiness:
    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self.checks: dict[str, Check] = {}

    def add(self, name: str, check: Check) -> None:
        self.checks[name] = check

    async def run(self) -> dict[str, str]:
        """name -> "ok", or what is wrong."""
        names = list(self.checks)
        found = await asyncio.gather(*(self._one(self.checks[name]) for name in names))
        return {name: answer or "ok" for name, answer in zip(names, found)}

    async def _one(self, check: Check) -> str | None:
        try:
            async with asyncio.timeout(self.timeout):
                return await check()
        except TimeoutError:
            return f"no answer within {self.timeout:g}s"
        except Exception as exc:  # noqa: BLE001 - a check that fails says so; /readyz itself never fails
            return f"failed ({type(exc).__name__})"


def database(sessions: async_sessionmaker[AsyncSession]) -> Check:
    async def check() -> str | None:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
        return None
    return check
