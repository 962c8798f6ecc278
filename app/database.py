"""Opening the database for the service and the command line: reachable, and at this version's schema."""
from __future__ import annotations

import asyncio
import logging
import subprocess
import sys

from sqlalchemy.ext.asyncio import AsyncEngine

from deskbot.dispatch.config import Config
from deskbot.storage import migrate
from deskbot.storage.db import create_engine

log = logging.getLogger("deskbot.service")


class DatabaseNotReady(Exception):
    """The database exists but is not at our schema: `deskbot db upgrade` is a deliberate step."""


class DatabaseUnavailable(Exception):
    """The database server cannot be reached (as opposed to an error inside it)."""


async def reachable(engine: AsyncEngine) -> None:
    # The OS error alone: the URL (and the password in it) stays out of the message.
    try:
        async with engine.connect():
            pass
    except OSError as exc:
        await engine.dispose()
        raise DatabaseUnavailable(f"cannot connect: {exc.strerror or exc}") from None


async def prepare_database(config: Config, *, create: bool = True) -> AsyncEngine:
    """Open the database; an empty one is migrated (only by the service), an outdated one is refused."""
    engine = create_engine(config.database.url)
    await reachable(engine)
    current = await migrate.current_revision(engine)
    head = migrate.head_revision()
    if current is None and not create:
        await engine.dispose()
        raise DatabaseNotReady("the database is empty: start `deskbot run` or run `deskbot db upgrade`")
    if current is None:
        log.info("empty database: creating the schema")
        await migrate.upgrade(engine)
    elif current != head:
        await engine.dispose()
        raise DatabaseNotReady(f"database schema is at {current}, this version needs {head}: run `deskbot db upgrade`")
    return engine


async def create_apart(config: Config) -> None:
    """An empty database gets its schema from a `deskbot db upgrade` of its own, before `deskbot run`
    opens it: Alembic (with Mako and Pygments) and the migrations held 17 MB that the service kept for
    as long as it ran (benchmarks/README.md, *Memory*). Any other state is for `prepare_database`."""
    engine = create_engine(config.database.url)
    try:
        await reachable(engine)
        empty = await migrate.current_revision(engine) is None
    finally:
        await engine.dispose()
    if not empty:
        return
    log.info("empty database: creating the schema")
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from deskbot.app.cli import main; raise SystemExit(main())",
        "db", "upgrade", "-c", config.path, stdout=subprocess.DEVNULL)
    if await child.wait():
        raise DatabaseNotReady(f"creating the schema failed (`deskbot db upgrade` exited with {child.returncode})")
