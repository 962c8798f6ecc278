"""Engine and sessions: SQLite (WAL) by default, PostgreSQL with the same code."""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str) -> AsyncEngine:
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        # WAL lets readers (the CLI, the bot) work while the poller writes.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def after_commit(session: AsyncSession, action: Callable[[], None]) -> None:
    """Do `action` once the session's transaction commits (a metric counted, say); never if it rolls back.

    A transaction retried after a rollback does it once, at the commit that holds.
    """
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session.sync_session, "after_commit", lambda _s: _run(pending))
        event.listen(session.sync_session, "after_rollback", lambda _s: pending.clear())
    pending.append(action)


_PENDING = "deskbot_after_commit"


def _run(pending: list[Callable[[], None]]) -> None:
    actions, pending[:] = list(pending), []
    for action in actions:
        try:
            action()
        except Exception:  # what was committed stays so: a count that failed is only a count
            logging.getLogger("deskbot.storage").exception("an after-commit action failed")
