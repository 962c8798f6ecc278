"""Wires the parts: database, mailbox poller, ingest. `deskbot run` and `deskbot poll-once` start here."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from deskbot.dispatch.clock import Clock, SystemClock
from deskbot.dispatch.config import Config
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.mailbox.imap import ImapSettings
from deskbot.mailbox.inbound import ParseOptions
from deskbot.mailbox.poller import Poller
from deskbot.storage import migrate
from deskbot.storage.db import create_engine, session_factory

log = logging.getLogger("deskbot.service")


class DatabaseNotReady(Exception):
    """The database exists but is not at our schema: `deskbot db upgrade` is a deliberate step."""


class DatabaseUnavailable(Exception):
    """The database server cannot be reached (as opposed to an error inside it)."""


async def reachable(engine: AsyncEngine) -> None:
    # asyncpg reports a refused connection as a bare OSError: say it is the database.
    try:
        async with engine.connect():
            pass
    except OSError as exc:
        await engine.dispose()
        raise DatabaseUnavailable(f"cannot connect: {exc.strerror or exc}") from None


async def prepare_database(config: Config) -> AsyncEngine:
    """Open the database; an empty one is migrated, an outdated one is refused."""
    engine = create_engine(config.database.url)
    await reachable(engine)
    current = await migrate.current_revision(engine)
    head = migrate.head_revision()
    if current is None:
        log.info("empty database: creating the schema")
        await migrate.upgrade(engine)
    elif current != head:
        await engine.dispose()
        raise DatabaseNotReady(f"database schema is at {current}, this version needs {head}: run `deskbot db upgrade`")
    return engine


def build_poller(config: Config, engine: AsyncEngine, clock: Clock) -> Poller:
    box = config.mailbox
    settings = ImapSettings(
        host=box.host, port=box.port, security=box.security, username=box.username,
        password=box.password.get_secret_value(), folder=box.folder, processed_folder=box.processed_folder,
        ca_file=box.ca_file,
    )
    ingest = Ingest(
        session_factory(engine), clock, MailboxPlace(f"{box.username}@{box.host}".lower(), box.folder),
        own_addresses=config.own_addresses, free_mail_domains=set(box.free_mail_domains),
    )
    attachments = Path(box.attachments_dir).resolve()
    options = ParseOptions(attachments_dir=str(attachments), max_attachment_size=box.max_attachment_size)
    return Poller(
        settings, ingest, options, idle=box.idle, poll_every=box.poll_every.total_seconds(),
        batch_size=box.batch_size, workers=box.parse_workers,
    )


async def poll_once(config: Config, clock: Clock | None = None) -> None:
    engine = await prepare_database(config)
    poller = build_poller(config, engine, clock or SystemClock())
    try:
        await poller.poll_once()
    finally:
        await poller.close()
        await engine.dispose()


async def run(config: Config, clock: Clock | None = None) -> None:
    engine = await prepare_database(config)
    poller = build_poller(config, engine, clock or SystemClock())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, poller.stop)
    log.info("deskbot running: mailbox %s@%s/%s", config.mailbox.username, config.mailbox.host, config.mailbox.folder)
    try:
        await poller.run()
    finally:
        log.info("deskbot stopping")
        await poller.close()
        await engine.dispose()
