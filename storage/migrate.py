"""Alembic, driven from code: `deskbot db upgrade` and the first start of `deskbot run`.

Alembic itself (with Mako and Pygments behind it: 10 MB resident, benchmarks/README.md, *Memory*)
is imported only to migrate. The service's check at every start, "is the database at this
version's schema?", reads the version table with one query and this version's head from the
migration files' `revision = ` and `down_revision = ` lines; should they ever not form one
plain chain, Alembic is asked instead.
"""
from __future__ import annotations

import re
from importlib.resources import files

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from deskbot.storage.advisory import XACT_LOCK, lock_key

VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
_ASSIGNED = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(?:None|['\"]([^'\"]+)['\"])\s*$", re.M)


def alembic_config():
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "deskbot.storage:migrations")
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    from alembic import command

    await _run(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    from alembic import command

    await _run(engine, command.downgrade, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for an empty one (no version table, or no row in it)."""
    def read(conn) -> str | None:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        if len(rows) > 1:
            raise RuntimeError(f"the database is at several revisions at once: {', '.join(sorted(rows))}")
        return rows[0] if rows else None

    async with engine.connect() as conn:
        return await conn.run_sync(read)


def head_revision() -> str:
    return _head_from_files() or _alembic_head()


def _head_from_files() -> str | None:
    """The one revision no other revises, when every migration file names its own and what it revises."""
    revisions, revised = set(), set()
    for entry in files("deskbot.storage.migrations").joinpath("versions").iterdir():
        if not entry.name.endswith(".py") or entry.name.startswith("_"):
            continue
        found = dict((name, value) for name, value in _ASSIGNED.findall(entry.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found or not found["revision"]:
            return None
        revisions.add(found["revision"])
        if found["down_revision"]:
            revised.add(found["down_revision"])
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 and revised <= revisions else None


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _run(engine: AsyncEngine, action, revision: str) -> None:
    cfg = alembic_config()

    def run(connection) -> None:
        if connection.dialect.name == "postgresql":  # instances started at once on an empty database: one migrates
            connection.execute(XACT_LOCK, {"key": lock_key("schema")})
        cfg.attributes["connection"] = connection
        action(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)
