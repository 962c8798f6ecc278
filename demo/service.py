"""`deskbot run`'s service without the IMAP poller: the demo's mail comes in through the intake.

The same parts as app/service.py's `run`, in the same order (mail out, the Telegram side, the
timed sweeps), with the intake's hooks wired as the poller's are. When the pipe mode
(`mailbox.mode = "pipe"`, branch issue12-pipe) is on main, this becomes `service.run` with
that mode, and the demo hands mail in through the pipe intake itself.
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from deskbot.app import schedule, service
from deskbot.app.database import prepare_database
from deskbot.bot.render.texts import Texts
from deskbot.demo.intake import PIPE_PLACE, HandIn
from deskbot.dispatch.clock import Clock, SystemClock
from deskbot.dispatch.config import Config
from deskbot.dispatch.ingest import Ingest
from deskbot.mailbox.inbound import ParseOptions
from deskbot.storage.db import session_factory


@contextlib.asynccontextmanager
async def running(config: Config, clock: Clock | None = None) -> AsyncIterator[HandIn]:
    """The service, running until the block ends; yields the hand-in for incoming mail."""
    clock = clock or SystemClock()
    texts = Texts(config.telegram.language)
    engine = await prepare_database(config)
    scheduler = schedule.scheduler()
    box = config.mailbox
    ingest = Ingest(session_factory(engine), clock, PIPE_PLACE,
                    own_addresses=config.own_addresses, free_mail_domains=set(box.free_mail_domains),
                    reopen_within=config.dispatch.reopen_within)
    options = ParseOptions(attachments_dir=str(Path(box.attachments_dir).resolve()),
                           max_attachment_size=box.max_attachment_size)
    try:
        scheduler.start()
        sessions = ingest.sessions
        incidents = service.mail_incidents(config, sessions, clock, texts)
        async with service.mail_out(config, sessions, clock, texts, scheduler, incidents) as acknowledger, \
                service.telegram(config, sessions, clock, texts, scheduler) as bot_sweeps:
            announcer, forwarder = bot_sweeps or (None, None)
            for sweep in (acknowledger, announcer):
                if sweep is not None:
                    ingest.on_new_tickets.append(sweep.wake)
            if forwarder is not None:
                ingest.on_replies.append(forwarder.wake)
            if announcer is not None:
                ingest.on_kept_aside.append(announcer.wake)
            async with service.lifecycle(config, sessions, clock, texts, scheduler):
                yield await HandIn.resume(ingest, options)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await engine.dispose()
