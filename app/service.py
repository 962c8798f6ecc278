"""Wires the parts: database, mailbox poller, ingest and, with a bot token, the Telegram side.

`deskbot run` and `deskbot poll-once` start here. When each sweep runs: app/schedule.py;
what each pass does: app/sweeps.py.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.app import pipe_server, probes, schedule, sweeps
from deskbot.app.database import prepare_database
from deskbot.app.leadership import Leadership, claim_telegram_polling, lock_for, mailbox_leadership
from deskbot.app.mailin import build_poller
from deskbot.app.web import web_face
from deskbot.app.schedule import (  # noqa: F401  (the periods, as the tests read them)
    ANNOUNCE_EVERY, IDLE_RENEW, LIFECYCLE_SWEEP_EVERY, NAG_SWEEP_EVERY, OUTBOX_SWEEP_EVERY, SENDER_BACKSTOP,
    WEB_SWEEP_EVERY,
)
from deskbot.bot.app import build_bot, build_dispatcher
from deskbot.bot.health import TelegramHealth
from deskbot.bot.delivery import TelegramSender
from deskbot.bot.mailnotify import mail_outcome_notifier
from deskbot.bot.render.mail import incident_text
from deskbot.bot.render.texts import Texts
from deskbot.bot.polling import conflicts_told_once, drop_leftover_webhook
from deskbot.bot.webhook import Webhook
from deskbot.dispatch import sla_watch
from deskbot.dispatch.acknowledge import acknowledge_due
from deskbot.dispatch.background import OwnedTasks, Sweep
from deskbot.dispatch.clock import Clock, SystemClock
from deskbot.dispatch.config import Config
from deskbot.dispatch.health import Readiness
from deskbot.dispatch.incidents import Incidents
from deskbot.dispatch.mailout import MailSender
from deskbot.dispatch.pipe_intake import PipeIntake, parse_options, pipe_intake
from deskbot.dispatch.staff import sync_staff
from deskbot.mailbox.parse_pool import ParsePool
from deskbot.mailbox.poller import Poller
from deskbot.mailbox.smtp import SmtpSettings
from deskbot.storage.advisory import one_at_a_time
from deskbot.storage.db import is_sqlite, session_factory

log = logging.getLogger("deskbot.service")
Sessions = async_sessionmaker[AsyncSession]


async def run(config: Config, clock: Clock | None = None, stop: asyncio.Event | None = None, *,
              pipe_ready: Callable[[PipeIntake], None] | None = None) -> None:
    """Until SIGINT or SIGTERM; or, for a service run inside a test, until `stop` is set.

    `pipe_ready`: told of the pipe intake once it takes mail (mailbox.mode "pipe" or "imap+pipe"),
    for a program that runs the service in its own process and hands mail in directly (the demo):
    `await intake.hand_in(raw)` is what the socket does, announced as piped mail is.
    """
    clock = clock or SystemClock()
    texts = Texts(config.telegram.language)  # the one catalog of the service, passed to every part
    engine = await prepare_database(config)
    poller = build_poller(config, engine, clock, own_timer=IDLE_RENEW) if config.mailbox.imap else None
    mailbox_lead = mailbox_leadership(config, poller) if poller is not None else None  # app/leadership.py
    stopping = asyncio.Event()

    def stop_now() -> None:
        stopping.set()
        if mailbox_lead is not None:
            mailbox_lead.stop()
        if poller is not None:
            poller.stop()

    scheduler = schedule.scheduler()
    if poller is not None:
        schedule.wake_every(scheduler, config.mailbox.poll_every.total_seconds(), poller.wake, "imap safety poll")
    tasks = OwnedTasks()
    if stop is not None:
        tasks.start(_stop_when_set(stop, stop_now), "stop watcher")
    else:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                asyncio.get_running_loop().add_signal_handler(sig, stop_now)
    log.info("deskbot running: %s", _intake(config))
    polling_lock = None
    try:
        polling_lock = await claim_telegram_polling(config)  # one long-polling instance per bot token
        scheduler.start()
        sessions = session_factory(engine)
        probed = probes.prepare(config, sessions, clock, poller,  # /healthz, /readyz, /metrics
                                mailbox_lead.following if mailbox_lead is not None else lambda: False)
        incidents = mail_incidents(config, sessions, clock, texts)
        if poller is not None:
            poller.watcher = incidents.watch("mailbox", f"{config.mailbox.username} ({config.mailbox.host})")
        async with piped_mail(config, sessions, clock, poller) as pipe:
            sinks = [s for s in (poller.sink if poller else None, pipe.ingest if pipe else None) if s is not None]
            async with mail_out(config, sessions, clock, texts, scheduler, incidents) as out, \
                    telegram(config, sessions, clock, texts, scheduler, out.wake if out else None,
                             probed.readiness) as bot_sweeps:
                acknowledger, wake_mail = out or (None, None)
                announcer, forwarder, wake_telegram = bot_sweeps or (None, None, None)
                for sink in sinks:
                    _wake_on_mail(sink, acknowledger, announcer, forwarder)
                if pipe is not None and pipe_ready is not None:
                    pipe_ready(pipe)  # now that what it stores wakes the sweeps

                def form_mail(ingest) -> None:  # the web form's requests wake the sweeps like any mail
                    _wake_on_mail(ingest, acknowledger, announcer, forwarder)

                async with lifecycle(config, sessions, clock, texts, scheduler), \
                        web_face(config, sessions, clock, wake_mail, form_mail, wake_telegram, probed), \
                        probes.listening(config, probed):  # app/web.py, app/probes.py
                    if mailbox_lead is not None:
                        await mailbox_lead.run()  # the poller, while this instance leads the mailbox
                    else:
                        await stopping.wait()
    finally:
        log.info("deskbot stopping")
        await scheduler.stop()  # a pass still under way (the web sweep has no other close) ends before the database
        await tasks.close(grace=0)  # the stop watcher, if the poller ended first
        if poller is not None:
            await poller.close()
        if polling_lock is not None:
            await polling_lock.close()
        await engine.dispose()


def _wake_on_mail(sink, acknowledger: Sweep | None, announcer: Sweep | None, forwarder: Sweep | None) -> None:
    """Stored mail wakes the sweeps it concerns: nobody waits for a sweep period."""
    for sweep in (acknowledger, announcer):
        if sweep is not None:
            sink.on_new_tickets.append(sweep.wake)
    if forwarder is not None:
        sink.on_replies.append(forwarder.wake)
    if announcer is not None:  # a person's mail kept aside is told as promptly as a new ticket
        sink.on_kept_aside.append(announcer.wake)


def _intake(config: Config) -> str:
    box = config.mailbox
    parts = [f"mailbox {box.username}@{box.host}/{box.folder}"] if box.imap else []
    if box.pipe:
        parts.append(f"piped mail on {config.pipe_socket}")
    return ", ".join(parts)


async def _stop_when_set(stop: asyncio.Event, stop_now) -> None:
    await stop.wait()
    stop_now()


@contextlib.asynccontextmanager
async def piped_mail(config: Config, sessions: Sessions, clock: Clock,
                     poller: Poller | None) -> AsyncIterator[PipeIntake | None]:
    """The socket of `deskbot ingest` (app/pipe_server.py), when mailbox.mode takes piped mail.

    Parsing runs in the poller's worker processes, or in one of its own without IMAP.
    """
    if not config.mailbox.pipe:
        yield None
        return
    own_pool = None
    if poller is None:
        own_pool = ParsePool(parse_options(config), workers=1)
    pool = own_pool or poller.parser
    intake = pipe_intake(config, sessions, clock, pool.parse)
    try:
        if own_pool is not None:
            await own_pool.warm_up()  # the first piped mail must not wait for a process to start
        async with pipe_server.listening(config.pipe_socket, config.pipe.mode_bits, intake.hand_in):
            yield intake
    finally:
        if own_pool is not None:
            own_pool.close()


def mail_incidents(config: Config, sessions: Sessions, clock: Clock, texts: Texts) -> Incidents:
    """A refused login or a long outage of a mail server, told in the dispatcher chat (dispatch/incidents.py)."""
    chat = config.telegram.dispatcher_chat_id if config.telegram.token.get_secret_value() else 0
    return Incidents(sessions, clock, chat, lambda notice: incident_text(texts, notice))


# -- e-mail out -------------------------------------------------------------------------------


def smtp_settings(config: Config) -> SmtpSettings:
    smtp = config.smtp
    return SmtpSettings(host=smtp.host, port=smtp.port, security=smtp.security, username=smtp.username,
                        password=smtp.password.get_secret_value())


class MailOut(NamedTuple):
    acknowledger: Sweep
    wake: Callable[[], None]  # the sender's: mail queued by a face (a log-in code) leaves now, not at a sweep


@contextlib.asynccontextmanager
async def mail_out(config: Config, sessions: Sessions, clock: Clock, texts: Texts,
                   scheduler, incidents=None) -> AsyncIterator[MailOut | None]:
    """The e-mail sender and the acknowledgement sweep (None without `smtp.host`)."""
    if not config.smtp.host:
        log.info("smtp.host is not set: no e-mail is sent (acknowledgements, answers)")
        yield None
        return
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
        schedule.wake_every(scheduler, OUTBOX_SWEEP_EVERY, sender.wake, "mail sweep")
        schedule.every(scheduler, acknowledger, OUTBOX_SWEEP_EVERY)
        yield MailOut(acknowledger, sender.wake)
    finally:
        await acknowledger.close()
        stop.set()
        await tasks.close()


# -- the Telegram side -------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def telegram(config: Config, sessions: Sessions, clock: Clock, texts: Texts,
                   scheduler, wake_mail: Callable[[], None] | None = None,
                   readiness: Readiness | None = None) -> AsyncIterator[tuple[Sweep, Sweep, Callable[[], None]] | None]:
    """The bot, the outbox sender, the sweeps (jobs of the running `scheduler`) and the handlers;
    yields the announcer, the forwarder of customer replies and the sender's wake (None without a token)."""
    if not config.telegram.token.get_secret_value():
        log.info("telegram.token is not set: tickets are stored, nobody is notified")
        yield None
        return
    async with sessions.begin() as session:
        await one_at_a_time(session, "staff sync")  # instances started at once must not insert the same rows
        await sync_staff(session, config)
    bot = build_bot(config.telegram)
    if readiness is not None:
        readiness.add("telegram", TelegramHealth(bot).check)  # /readyz: Telegram answers
    sender = TelegramSender(bot, sessions, clock, idle_check=SENDER_BACKSTOP)
    tasks, updates, sender_stop = OwnedTasks(), OwnedTasks(), asyncio.Event()
    budget_lock = asyncio.Lock()  # the sweeps that post into the dispatcher chat spend its budget one at a time
    announcer, nagger = sweeps.announcer_and_nagger(config, sessions, clock, texts, sender, budget_lock)
    summary = sweeps.quarantine_summary(config, sessions, clock, texts, sender)
    forwarder = sweeps.forwarder(config, sessions, clock, texts, sender)
    assigner = sweeps.automatic_assignment(config, sessions, clock, texts, sender, budget_lock)
    ruled = sweeps.rule_teller(config, sessions, clock, texts, sender, wake_mail)
    polling, webhook, dispatcher = None, None, None
    try:
        tasks.start(sender.run(sender_stop), "outbox sender")
        schedule.wake_every(scheduler, OUTBOX_SWEEP_EVERY, sender.wake, "outbox sweep")
        schedule.every(scheduler, forwarder, NAG_SWEEP_EVERY)
        schedule.every(scheduler, assigner, ANNOUNCE_EVERY)
        if config.rules:
            schedule.every(scheduler, ruled, ANNOUNCE_EVERY)
        if config.telegram.dispatcher_chat_id:
            nag_seconds = max(1.0, min(NAG_SWEEP_EVERY, config.dispatch.nag_every.total_seconds()))
            schedule.every(scheduler, announcer, ANNOUNCE_EVERY)
            schedule.every(scheduler, nagger, nag_seconds)
            schedule.on(scheduler, summary, schedule.quarantine_trigger(config))
        else:
            log.warning("telegram.dispatcher_chat_id is not set: new tickets are not announced")
        dispatcher = build_dispatcher(config, sessions, clock, sender, texts, updates)  # taps, commands: bot/handlers/
        _say_where_prompts_live(config)
        if config.telegram.mode == "webhook":
            webhook = Webhook(dispatcher, bot, config.telegram)
            await webhook.start()
        else:
            await drop_leftover_webhook(bot)
            polling = tasks.start(_poll(dispatcher, bot), "telegram polling")
        yield announcer, forwarder, sender.wake
    finally:
        if webhook is not None:
            await webhook.stop()
        if scheduler.running:
            scheduler.pause()  # no new runs; a pass under way may still commit
        await asyncio.gather(announcer.close(), nagger.close(), forwarder.close(), summary.close(),
                             assigner.close(), ruled.close())
        if polling is not None:
            try:
                await dispatcher.stop_polling()
            except RuntimeError:  # "Polling is not started" yet: nothing to wait for
                polling.cancel()
        await updates.close()  # the taps and commands under way: their replies go out and are recorded
        sender_stop.set()
        await tasks.close()
        if dispatcher is not None:
            await dispatcher.storage.close()
        await bot.session.close()


def _say_where_prompts_live(config: Config) -> None:
    if config.telegram.fsm.get_secret_value():
        log.info("telegram: the prompts under way are kept in Redis (telegram.fsm), shared by every instance")
    elif config.telegram.mode == "webhook" and not is_sqlite(config.database.url):
        log.warning("telegram: the prompts under way are kept in this process's memory: with several instances "
                    "set telegram.fsm to a Redis, or a prompt asked by one is not understood by another")


async def _poll(dispatcher, bot) -> None:
    with conflicts_told_once():  # a 409 Conflict: one clear line, not two per attempt forever
        await dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)


async def _sla_at_start(config: Config, sessions: Sessions, clock: Clock) -> None:
    """The config may have changed the SLA terms: open tickets are counted again. A contract naming a
    calendar the config lost is said, once per start; its SLA counts the desk's calendar meanwhile."""
    async with sessions.begin() as session:
        for line in await sla_watch.check_contract_calendars(session, config):
            log.error("%s", line)
        await sla_watch.recheck_open(session, clock.now())


@contextlib.asynccontextmanager
async def lifecycle(config: Config, sessions: Sessions, clock: Clock, texts: Texts,
                    scheduler) -> AsyncIterator[None]:
    """The sweeps that act on time alone: the auto-close of tickets waiting for a silent
    customer, the nudges about stale work (both off when their setting is ""), the hours
    alerts, the monthly reports and, with the web face, the web log-ins' leftovers."""
    has_bot = bool(config.telegram.token.get_secret_value())
    timed = []
    if config.dispatch.autoclose_after is not None:
        timed.append(sweeps.autoclose(config, sessions, clock, texts, has_bot))
    if config.dispatch.stale_after is not None and has_bot:
        timed.append(sweeps.stale(config, sessions, clock, texts))
    if has_bot:
        timed.append(sweeps.hours(config, sessions, clock, texts))
        timed.append(sweeps.sla(config, sessions, clock, texts))
    await _sla_at_start(config, sessions, clock)
    if any(rule.after is not None for rule in config.rules):
        timed.append(sweeps.rule_timer(config, sessions, clock))
    for sweep in timed:
        schedule.every(scheduler, sweep, LIFECYCLE_SWEEP_EVERY)
    if config.web.listen:  # spent log-in codes and links, ended sessions
        schedule.every(scheduler, sweeps.web_leftovers(sessions, clock), WEB_SWEEP_EVERY)
    # Among several instances, the one that holds the lock "monthly reports" runs them (app/leadership.py).
    catch_up = Sweep("missed monthly reports", lambda: monthly_reports(only_missing=True))

    def catch_up_at_lead() -> None:  # a 1st nobody led on: last month's missing reports now (none before the hour)
        if schedule.past_this_months_run(config, clock.now()):
            schedule.once(scheduler, catch_up)

    lead = Leadership(lock_for(config, "monthly reports"), "the monthly reports' schedule", on_lead=catch_up_at_lead)

    async def monthly_reports(only_missing: bool = False) -> None:
        if lead.leading:
            await sweeps.monthly_reports(config, sessions, clock, texts, has_bot, only_missing=only_missing)

    monthly = Sweep("monthly reports", monthly_reports)
    schedule.on(scheduler, monthly, schedule.monthly_trigger(config))
    timed.append(catch_up)
    leading = asyncio.create_task(lead.run(), name="monthly reports' lead")
    try:
        yield
    finally:
        lead.stop()
        await asyncio.gather(*(sweep.close() for sweep in [*timed, monthly]))
        await leading
