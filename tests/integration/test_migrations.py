"""Migrations stairway: every revision upgrades, downgrades and upgrades again, on both databases."""
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from deskbot.storage import migrate, search
from deskbot.storage.db import create_engine, is_sqlite
from deskbot.storage.models import Base


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def before_search() -> str:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_revision(search.REVISION).down_revision


async def table_names(engine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names())) - {"alembic_version"}


async def test_stairway(db_url):
    engine = create_engine(db_url)
    try:
        for revision in revisions():
            previous = await migrate.current_revision(engine) or "base"
            await migrate.upgrade(engine, revision)
            assert await migrate.current_revision(engine) == revision
            await migrate.downgrade(engine, previous)
            assert (await migrate.current_revision(engine) or "base") == previous
            await migrate.upgrade(engine, revision)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        # SQLite's search index is an FTS5 table with its shadow tables; PostgreSQL's an index (storage/search.py).
        extra = search.SQLITE_TABLES if is_sqlite(db_url) else set()
        assert await table_names(engine) == set(Base.metadata.tables) | extra
        if not is_sqlite(db_url):
            async with engine.connect() as conn:
                indexes = await conn.run_sync(lambda c: inspect(c).get_indexes("tickets"))
            assert search.POSTGRES_INDEX in {index["name"] for index in indexes}
        await migrate.downgrade(engine, before_search())
        later = {"web_form_requests"}  # made by the migrations after the search's
        assert await table_names(engine) == set(Base.metadata.tables) - later
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def test_head_matches_models(db_url):
    """The migrations build exactly what the models declare: no forgotten autogenerate."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(db_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"include_name": search.managed}), Base.metadata))
        assert diff == []
    finally:
        await engine.dispose()


def test_the_head_read_from_the_files_is_alembics():
    """The service's start checks the schema without importing Alembic (storage/migrate.py): same answer."""
    assert migrate._head_from_files() == ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


async def test_current_revision_of_an_empty_database_is_none(db_url):
    engine = create_engine(db_url)
    try:
        assert await migrate.current_revision(engine) is None
    finally:
        await engine.dispose()

