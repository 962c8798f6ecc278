"""Mail in over IMAP: the poller as the service and `deskbot poll-once` build it.

Kept apart from the service's wiring so that `deskbot poll-once` (cron, checks) never imports
the Telegram side: aiogram alone takes seconds to import on a small machine.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from deskbot.app.database import prepare_database
from deskbot.dispatch.clock import Clock, SystemClock
from deskbot.dispatch.config import Config
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.dispatch.rule_actions import Routing
from deskbot.mailbox.imap import ImapSettings
from deskbot.mailbox.inbound import ParseOptions
from deskbot.mailbox.poller import Poller
from deskbot.storage.db import session_factory


def build_poller(config: Config, engine: AsyncEngine, clock: Clock, *, own_timer: float | None = None,
                 routing: Routing | None = None) -> Poller:
    """`own_timer`: how long the poller waits by itself, when a scheduler runs the safety poll."""
    box = config.mailbox
    settings = ImapSettings(
        host=box.host, port=box.port, security=box.security, username=box.username,
        password=box.password.get_secret_value(), folder=box.folder, processed_folder=box.processed_folder,
        ca_file=box.ca_file,
    )
    ingest = Ingest(
        session_factory(engine), clock, MailboxPlace(f"{box.username}@{box.host}".lower(), box.folder),
        own_addresses=config.own_addresses, free_mail_domains=set(box.free_mail_domains),
        reopen_within=config.dispatch.reopen_within, routing=routing or Routing.of(config),
    )
    attachments = Path(box.attachments_dir).resolve()
    options = ParseOptions(attachments_dir=str(attachments), max_attachment_size=box.max_attachment_size)
    return Poller(
        settings, ingest, options, idle=box.idle, poll_every=own_timer or box.poll_every.total_seconds(),
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
