"""Both databases, one test body: every storage test runs on SQLite and on the real PostgreSQL.

`db_url` is a fresh, empty database; `engine` a fresh, migrated one. Migrating takes longer
than copying, so each test process migrates one template of each kind once and every
`engine` starts as a copy of it: the same schema, made by the same migrations.
"""
from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path

import asyncpg
import pytest

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/{}"
KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


async def create_pg_database(template: str | None = None) -> str:
    name = f"deskbot_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(POSTGRES)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await conn.close()
    return name


async def drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(POSTGRES)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    from deskbot.storage import migrate
    from deskbot.storage.db import create_engine

    eng = create_engine(url)
    try:
        await migrate.upgrade(eng)
    finally:
        await eng.dispose()  # a template must have no connection left when it is copied


class Templates:
    """One migrated database of each kind per test process, made when first asked for."""

    def __init__(self, folder: Path) -> None:
        self.sqlite = folder / "template.sqlite3"
        self.pg: str | None = None
        self._sqlite_ready = False

    async def sqlite_copy(self, path: Path) -> str:
        if not self._sqlite_ready:
            await _migrate(f"sqlite+aiosqlite:///{self.sqlite}")
            self._sqlite_ready = True
        shutil.copyfile(self.sqlite, path)
        return f"sqlite+aiosqlite:///{path}"

    async def pg_copy(self) -> str:
        if self.pg is None:
            name = await create_pg_database()
            try:
                await _migrate(PG_URL.format(name))
            except BaseException:
                await drop_pg_database(name)
                raise
            self.pg = name
        return PG_URL.format(await create_pg_database(template=self.pg))

    def close(self) -> None:
        if self.pg is not None:
            asyncio.run(drop_pg_database(self.pg))


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory):
    templates = Templates(tmp_path_factory.mktemp("templates"))
    try:
        yield templates
    finally:
        templates.close()


@pytest.fixture(params=KINDS)
async def db_url(request, tmp_path):
    """A fresh, empty database URL of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'deskbot.sqlite3'}"
        return
    name = await create_pg_database()
    try:
        yield PG_URL.format(name)
    finally:
        await drop_pg_database(name)


@pytest.fixture
async def pg_url():
    """A fresh, empty PostgreSQL database, for tests that exercise the PostgreSQL path alone."""
    name = await create_pg_database()
    try:
        yield PG_URL.format(name)
    finally:
        await drop_pg_database(name)


async def sessions_with_staff(engine, config):
    """A session factory over a database whose staff and departments match `config`."""
    from deskbot.dispatch.staff import sync_staff
    from deskbot.storage.db import session_factory

    factory = session_factory(engine)
    async with factory.begin() as session:
        await sync_staff(session, config)
    return factory


@pytest.fixture(params=KINDS)
async def engine(request, tmp_path, migrated_templates):
    """A migrated database engine of each kind: a copy of the process's template."""
    from deskbot.storage.db import create_engine

    if request.param == "sqlite":
        eng = create_engine(await migrated_templates.sqlite_copy(tmp_path / "deskbot.sqlite3"))
        try:
            yield eng
        finally:
            await eng.dispose()
        return
    url = await migrated_templates.pg_copy()
    eng = create_engine(url)
    try:
        yield eng
    finally:
        await eng.dispose()
        await drop_pg_database(url.rpartition("/")[2])
