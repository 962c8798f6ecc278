"""Alembic, driven from code: `deskbot db upgrade` and the first start of `deskbot run`."""
from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from deskbot.storage.advisory import XACT_LOCK, lock_key


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "deskbot.storage:migrations")
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    await _run(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    await _run(engine, command.downgrade, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


def head_revision() -> str:
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
