"""Both databases, one test body: every storage test runs on SQLite and on the real PostgreSQL."""
from __future__ import annotations

import uuid

import asyncpg
import pytest

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


async def create_pg_database() -> str:
    name = f"deskbot_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(POSTGRES)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(POSTGRES)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db_url(request, tmp_path):
    """A fresh, empty database URL of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'deskbot.sqlite3'}"
        return
    name = await create_pg_database()
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await drop_pg_database(name)


@pytest.fixture
async def pg_url():
    """A fresh, empty PostgreSQL database, for tests that exercise the PostgreSQL path alone."""
    name = await create_pg_database()
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
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


@pytest.fixture
async def engine(db_url):
    """A migrated database engine of each kind."""
    from deskbot.storage import migrate
    from deskbot.storage.db import create_engine

    eng = create_engine(db_url)
    await migrate.upgrade(eng)
    try:
        yield eng
    finally:
        await eng.dispose()
