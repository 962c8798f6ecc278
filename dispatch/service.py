"""Wires the parts: database, mailbox poller, ingest and, with a bot token, the Telegram side.

`deskbot run` and `deskbot poll-once` start here.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from deskbot.dispatch.background import OwnedTasks, Sweep
from deskbot.dispatch.clock import Clock, SystemClock
from deskbot.dispatch.config import Config, TelegramConfig
from deskbot.dispatch.ingest import Ingest, MailboxPlace
from deskbot.mailbox.imap import ImapSettings
from deskbot.mailbox.inbound import ParseOptions
from deskbot.mailbox.poller import Poller
from deskbot.storage import migrate
from deskbot.storage.db import create_engine, session_factory

log = logging.getLogger("deskbot.service")

# The periodic sweeps, all jobs of one APScheduler. Each is also woken by what makes it
# due (a commit that opens tickets, a row queued, IDLE's news): the period is the safety net.
ANNOUNCE_EVERY = 1.0  # seconds
NAG_SWEEP_EVERY = 5.0  # seconds at most; dispatch.nag_every decides when a ticket is due
OUTBOX_SWEEP_EVERY = 5.0  # seconds: rows queued by another process (the CLI) get no wake
LIFECYCLE_SWEEP_EVERY = 30.0  # seconds: auto-close and stale nudges count in days
# The loops' own timers, for when the scheduler is gone: RFC 2177 wants IDLE renewed within 29 minutes.
IDLE_RENEW = 25 * 60.0
SENDER_BACKSTOP = 300.0


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


def build_poller(config: Config, engine: AsyncEngine, clock: Clock, *, own_timer: float | None = None) -> Poller:
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
        reopen_within=config.dispatch.reopen_within,
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


async def run(config: Config, clock: Clock | None = None, stop: asyncio.Event | None = None) -> None:
    """Until SIGINT or SIGTERM; or, for a service run inside a test, until `stop` is set."""
    clock = clock or SystemClock()
    engine = await prepare_database(config)
    poller = build_poller(config, engine, clock, own_timer=IDLE_RENEW)
    scheduler = _scheduler()
    _wake_every(scheduler, config.mailbox.poll_every.total_seconds(), poller.wake, "imap safety poll")
    tasks = OwnedTasks()
    if stop is not None:
        tasks.start(_stop_when_set(stop, poller), "stop watcher")
    else:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                asyncio.get_running_loop().add_signal_handler(sig, poller.stop)
    log.info("deskbot running: mailbox %s@%s/%s", config.mailbox.username, config.mailbox.host, config.mailbox.folder)
    try:
        scheduler.start()
        sessions = session_factory(engine)
        incidents = mail_incidents(config, sessions, clock)
        poller.watcher = incidents.watch("mailbox", f"{config.mailbox.username} ({config.mailbox.host})")
        async with mail_out(config, sessions, clock, scheduler, incidents) as acknowledger, \
                telegram(config, sessions, clock, scheduler) as bot_sweeps:
            announcer, forwarder = bot_sweeps or (None, None)
            for sweep in (acknowledger, announcer):
                if sweep is not None:
                    poller.sink.on_new_tickets.append(sweep.wake)
            if forwarder is not None:
                poller.sink.on_replies.append(forwarder.wake)
            if announcer is not None:  # a person's mail kept aside is told as promptly as a new ticket
                poller.sink.on_kept_aside.append(announcer.wake)
            async with lifecycle(config, sessions, clock, scheduler):
                await poller.run()
    finally:
        log.info("deskbot stopping")
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await tasks.close(grace=0)  # the stop watcher, if the poller ended first
        await poller.close()
        await engine.dispose()


def _scheduler():
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per run every second is noise
    return AsyncIOScheduler(timezone=timezone.utc)


def _schedule(scheduler, sweep: Sweep, seconds: float) -> None:
    """Run `sweep` now and every `seconds`; its wake() moves the next run to now."""
    sweep.job = scheduler.add_job(sweep.run, "interval", seconds=seconds, id=sweep.name, coalesce=True,
                                  max_instances=2, misfire_grace_time=None, next_run_time=datetime.now(timezone.utc))


def _wake_every(scheduler, seconds: float, wake: Callable[[], None], name: str) -> None:
    """A loop with its own timers (a sender, the poller) looks again at least every `seconds`."""
    scheduler.add_job(wake, "interval", seconds=seconds, id=name, coalesce=True, misfire_grace_time=None)


async def _stop_when_set(stop: asyncio.Event, poller: Poller) -> None:
    await stop.wait()
    poller.stop()


def mail_incidents(config: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock):
    """A refused login or a long outage of a mail server, told in the dispatcher chat (dispatch/incidents.py)."""
    from deskbot.bot.mailnotify import incident_text
    from deskbot.bot.texts import Texts
    from deskbot.dispatch.incidents import Incidents

    texts = Texts(config.telegram.language)
    chat = config.telegram.dispatcher_chat_id if config.telegram.token.get_secret_value() else 0
    return Incidents(sessions, clock, chat, lambda notice: incident_text(texts, notice))


# -- e-mail out -------------------------------------------------------------------------------


def smtp_settings(config: Config):
    from deskbot.mailbox.smtp import SmtpSettings

    smtp = config.smtp
    return SmtpSettings(host=smtp.host, port=smtp.port, security=smtp.security, username=smtp.username,
                        password=smtp.password.get_secret_value())


@contextlib.asynccontextmanager
async def mail_out(config: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                   scheduler, incidents=None) -> AsyncIterator[Sweep | None]:
    """The e-mail sender and the acknowledgement sweep; yields the sweep (None without `smtp.host`)."""
    if not config.smtp.host:
        log.info("smtp.host is not set: no e-mail is sent (acknowledgements, answers)")
        yield None
        return
    from deskbot.bot.mailnotify import mail_outcome_notifier
    from deskbot.bot.texts import Texts
    from deskbot.dispatch.acknowledge import acknowledge_due
    from deskbot.dispatch.mailout import MailSender

    texts = Texts(config.telegram.language)
    told = mail_outcome_notifier(texts, clock) if config.telegram.token.get_secret_value() else None

    async def on_outcome(session: AsyncSession, row, outcome: str, failure) -> None:
        if told is not None:
            await told(session, row, outcome, failure)  # a Telegram notice: the outbox sweep sends it

    smtp = config.smtp
    watcher = incidents.watch("smtp", f"{smtp.host} ({smtp.username})" if smtp.username else smtp.host) \
        if incidents is not None else None
    sender = MailSender(smtp_settings(config), sessions, clock, on_outcome=on_outcome, idle_check=SENDER_BACKSTOP,
                        watcher=watcher)
    tasks, stop = OwnedTasks(), asyncio.Event()

    async def acknowledge() -> None:
        async with sessions.begin() as session:
            queued = await acknowledge_due(session, config, texts, clock.now())
        if queued:
            sender.wake()

    acknowledger = Sweep("acknowledge sweep", acknowledge)
    try:
        tasks.start(sender.run(stop), "mail sender")
        _wake_every(scheduler, OUTBOX_SWEEP_EVERY, sender.wake, "mail sweep")
        _schedule(scheduler, acknowledger, OUTBOX_SWEEP_EVERY)
        yield acknowledger
    finally:
        await acknowledger.close()
        stop.set()
        await tasks.close()


# -- the Telegram side -------------------------------------------------------------------------


def build_bot(settings: TelegramConfig):
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_server)) if settings.api_server else None
    return Bot(settings.token.get_secret_value(), session=session, default=DefaultBotProperties(parse_mode="HTML"))


@contextlib.asynccontextmanager
async def telegram(config: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                   scheduler) -> AsyncIterator[Sweep | None]:
    """The bot, the outbox sender, the sweeps (jobs of the running `scheduler`) and the handlers;
    yields the announcer and the forwarder of customer replies (None without a token)."""
    if not config.telegram.token.get_secret_value():
        log.info("telegram.token is not set: tickets are stored, nobody is notified")
        yield None
        return
    from deskbot.bot.app import build_dispatcher
    from deskbot.bot.delivery import TelegramSender
    from deskbot.dispatch.staff import sync_staff

    async with sessions.begin() as session:
        await sync_staff(session, config)
    bot = build_bot(config.telegram)
    sender = TelegramSender(bot, sessions, clock, idle_check=SENDER_BACKSTOP)
    tasks, sender_stop = OwnedTasks(), asyncio.Event()
    announcer, nagger = _sweeps(config, sessions, clock, sender)
    summary = _quarantine_summary(config, sessions, clock, sender)
    forwarder = _forwarder(config, sessions, clock, sender)
    polling, webhook = None, None
    try:
        tasks.start(sender.run(sender_stop), "outbox sender")
        _wake_every(scheduler, OUTBOX_SWEEP_EVERY, sender.wake, "outbox sweep")
        _schedule(scheduler, forwarder, NAG_SWEEP_EVERY)
        if config.telegram.dispatcher_chat_id:
            nag_seconds = max(1.0, min(NAG_SWEEP_EVERY, config.dispatch.nag_every.total_seconds()))
            _schedule(scheduler, announcer, ANNOUNCE_EVERY)
            _schedule(scheduler, nagger, nag_seconds)
            summary.job = scheduler.add_job(summary.run, quarantine_trigger(config), id=summary.name,
                                            coalesce=True, max_instances=1, misfire_grace_time=6 * 3600)
        else:
            log.warning("telegram.dispatcher_chat_id is not set: new tickets are not announced")
        dispatcher = build_dispatcher(config, sessions, clock, sender)  # taps and commands: bot/handlers/
        if config.telegram.mode == "webhook":
            from deskbot.bot.webhook import Webhook

            webhook = Webhook(dispatcher, bot, config.telegram)
            await webhook.start()
        else:
            polling = tasks.start(dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False),
                                  "telegram polling")
        yield announcer, forwarder
    finally:
        if webhook is not None:
            await webhook.stop()
        if scheduler.running:
            scheduler.pause()  # no new runs; a pass under way may still commit
        await asyncio.gather(announcer.close(), nagger.close(), forwarder.close(), summary.close())
        if polling is not None:
            try:
                await dispatcher.stop_polling()
            except RuntimeError:  # "Polling is not started" yet: nothing to wait for
                polling.cancel()
        sender_stop.set()
        await tasks.close()
        await bot.session.close()


@contextlib.asynccontextmanager
async def lifecycle(config: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                    scheduler) -> AsyncIterator[None]:
    """The sweeps that act on time alone: the auto-close of tickets waiting for a silent
    customer, and the nudges about stale work (both off when their setting is "")."""
    from deskbot.bot.texts import Texts
    from deskbot.dispatch.waiting import autoclose_due

    texts, has_bot = Texts(config.telegram.language), bool(config.telegram.token.get_secret_value())
    on_closed = None
    if has_bot:
        from deskbot.bot.notify import Notifier

        on_closed = Notifier(config, texts).auto_closed

    async def autoclose() -> None:
        async with sessions.begin() as session:
            await autoclose_due(session, config, texts, clock.now(), on_closed)

    async def nudge() -> None:
        from deskbot.bot.stale import nudge_stale

        async with sessions.begin() as session:
            await nudge_stale(session, config, texts, clock.now())

    async def hours() -> None:
        from deskbot.bot.reports import tell_hours

        async with sessions.begin() as session:
            await tell_hours(session, config, texts, clock.now())

    sweeps = []
    if config.dispatch.autoclose_after is not None:
        sweeps.append(Sweep("autoclose sweep", autoclose))
    if config.dispatch.stale_after is not None and has_bot:
        sweeps.append(Sweep("stale sweep", nudge))
    if has_bot:
        sweeps.append(Sweep("hours sweep", hours))
    for sweep in sweeps:
        _schedule(scheduler, sweep, LIFECYCLE_SWEEP_EVERY)
    monthly = Sweep("monthly reports", lambda: monthly_reports(config, sessions, clock, texts, has_bot))
    monthly.job = scheduler.add_job(monthly.run, monthly_trigger(config), id=monthly.name, coalesce=True,
                                    max_instances=1, misfire_grace_time=6 * 3600)
    # A 1st the service was down for: last month's missing reports now (none before the 1st's hour).
    catch_up = Sweep("missed monthly reports",
                     lambda: monthly_reports(config, sessions, clock, texts, has_bot, only_missing=True))
    if _past_this_months_run(config, clock.now()):
        catch_up.job = scheduler.add_job(catch_up.run, id=catch_up.name, next_run_time=datetime.now(timezone.utc))
    sweeps.append(catch_up)
    try:
        yield
    finally:
        await asyncio.gather(*(sweep.close() for sweep in [*sweeps, monthly]))


def monthly_trigger(config: Config):
    """The 1st of each month at reports.hour, in the desk's time zone."""
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger(day=1, hour=config.reports.hour, minute=0, timezone=config.dispatch.timezone)


def quarantine_trigger(config: Config):
    """Daily at quarantine.summary_hour, in the desk's time zone: the count of machine mail kept aside."""
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger(hour=config.quarantine.summary_hour, minute=0, timezone=config.dispatch.timezone)


def _quarantine_summary(config: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                        sender) -> Sweep:
    from deskbot.bot.quarantine import summarize_machine_mail
    from deskbot.bot.texts import Texts

    texts = Texts(config.telegram.language)

    async def sweep() -> None:
        async with sessions.begin() as session:
            counted = await summarize_machine_mail(session, config, texts, clock.now())
        if counted:
            sender.wake()
    return Sweep("quarantine summary", sweep)


def _past_this_months_run(config: Config, now: datetime) -> bool:
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(config.dispatch.timezone))
    return local.day > 1 or local.hour >= config.reports.hour


async def monthly_reports(config: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock, texts,
                          has_bot: bool, *, only_missing: bool = False) -> int:
    """Last month's reports, made and stored; with a bot, sent to the managers for approval. How many made."""
    from deskbot.dispatch.reports import month_reports

    async with sessions.begin() as session:
        made = await month_reports(session, config, texts, clock.now(), only_missing=only_missing)
        if has_bot:
            from deskbot.bot.reports import ask_managers

            await ask_managers(session, made, texts, clock.now())
    fresh = sum(one.fresh for one in made)
    log.info("monthly reports: %d made for %s", fresh, made[0].report.month if made else "last month")
    return fresh


def _forwarder(config: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock, sender) -> Sweep:
    """Customer replies to their assignees, privately (no dispatcher chat budget involved)."""
    from deskbot.bot.forward import forward_replies
    from deskbot.bot.notify import Notifier
    from deskbot.bot.texts import Texts

    texts = Texts(config.telegram.language)
    notify = Notifier(config, texts)

    async def sweep() -> None:
        async with sessions.begin() as session:
            queued = await forward_replies(session, texts, clock.now(), notify)
        if queued:
            sender.wake()
    return Sweep("forward sweep", sweep)


def _sweeps(config: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock, sender) -> tuple[Sweep, Sweep]:
    """The announcer and the nagger: each pass is one transaction that queues and marks what it showed."""
    from deskbot.bot.announce import announce_due, chat_budget
    from deskbot.bot.nags import nag_due_tickets
    from deskbot.bot.quarantine import announce_kept_aside
    from deskbot.bot.texts import Texts

    texts, chat = Texts(config.telegram.language), config.telegram.dispatcher_chat_id
    budget_lock = asyncio.Lock()  # both spend the chat's budget: one reads and spends it at a time

    def sweep_of(notify: Callable[..., Awaitable[int]]) -> Callable[[], Awaitable[None]]:
        async def sweep() -> None:
            async with budget_lock, sessions.begin() as session:
                queued = await notify(session, config, texts, clock.now(), await chat_budget(session, chat))
            if queued:
                sender.wake()
        return sweep

    async def announce(session: AsyncSession, config: Config, texts: Texts, now: datetime, budget: int) -> int:
        # New tickets first; people's mail kept aside in what the chat can still take (the cards now queued count).
        shown = await announce_due(session, config, texts, now, budget)
        return shown + await announce_kept_aside(session, config, texts, now, await chat_budget(session, chat))

    return Sweep("announce sweep", sweep_of(announce)), Sweep("nag sweep", sweep_of(nag_due_tickets))
