"""The periodic passes of the service, each one transaction; app/schedule.py says when they run."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.bot.notify import Notifier
from deskbot.bot.render.texts import Texts
from deskbot.bot.sweeps.announce import announce_due
from deskbot.bot.sweeps.assigned import pass_on_untaken, tell_assigned
from deskbot.bot.sweeps.budget import chat_budget
from deskbot.bot.sweeps.forward import forward_replies
from deskbot.bot.sweeps.nags import nag_due_tickets
from deskbot.bot.sweeps.quarantine import announce_kept_aside, summarize_machine_mail
from deskbot.bot.sweeps.reports import ask_managers, tell_hours
from deskbot.bot.sweeps.sla import tell_sla
from deskbot.bot.sweeps.ruled import tell_firings
from deskbot.bot.sweeps.stale import nudge_stale
from deskbot.dispatch.background import Sweep
from deskbot.dispatch.clock import Clock
from deskbot.dispatch import rules, web_access, web_form
from deskbot.dispatch.config import Config
from deskbot.dispatch.reports import month_reports
from deskbot.dispatch.rule_actions import Routing
from deskbot.dispatch.rule_timer import fire_timed
from deskbot.dispatch.waiting import autoclose_due

log = logging.getLogger("deskbot.service")
Sessions = async_sessionmaker[AsyncSession]


def announcer_and_nagger(config: Config, sessions: Sessions, clock: Clock, texts: Texts, sender,
                         budget_lock: asyncio.Lock | None = None) -> tuple[Sweep, Sweep]:
    """The announcer and the nagger: each pass is one transaction that queues and marks what it showed.
    `budget_lock`: shared with the other sweeps that post into the dispatcher chat."""
    chat = config.telegram.dispatcher_chat_id
    budget_lock = budget_lock or asyncio.Lock()  # they spend the chat's budget: one reads and spends it at a time

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


def forwarder(config: Config, sessions: Sessions, clock: Clock, texts: Texts, sender) -> Sweep:
    """Customer replies to their assignees, privately (no dispatcher chat budget involved)."""
    notify = Notifier(config, texts)

    async def sweep() -> None:
        async with sessions.begin() as session:
            queued = await forward_replies(session, texts, clock.now(), notify)
        if queued:
            sender.wake()
    return Sweep("forward sweep", sweep)


def automatic_assignment(config: Config, sessions: Sessions, clock: Clock, texts: Texts, sender,
                         budget_lock: asyncio.Lock) -> Sweep:
    """Assignees of automatic assignments made outside a tap are told, and the dispatcher chat within
    its budget (`budget_lock`: shared with the announcer and the nagger); take_within passes tickets on."""
    notify, chat = Notifier(config, texts), config.telegram.dispatcher_chat_id

    async def sweep() -> None:
        async with budget_lock, sessions.begin() as session:
            room = rules.cards_allowed(await chat_budget(session, chat)) if chat else 0
            queued = await tell_assigned(session, notify, clock.now(), room)
            queued += await pass_on_untaken(session, config, notify, clock.now())
        if queued:
            sender.wake()
    return Sweep("assignment sweep", sweep)


def rule_teller(config: Config, sessions: Sessions, clock: Clock, texts: Texts, sender, wake_mail) -> Sweep:
    """What routing rules decided, told: the assignee's card, notices, the customer's templated mail."""
    notify = Notifier(config, texts)

    async def sweep() -> None:
        async with sessions.begin() as session:
            queued = await tell_firings(session, config, texts, notify, clock.now())
        if queued:
            sender.wake()
            if wake_mail is not None:
                wake_mail()
    return Sweep("rule sweep", sweep)


def rule_timer(config: Config, sessions: Sessions, clock: Clock) -> Sweep:
    """Rules on time (on = "unassigned", "unanswered", "untouched"): each fires once per ticket."""
    routing = Routing.of(config)

    async def sweep() -> None:
        async with sessions.begin() as session:
            fired = await fire_timed(session, routing, clock.now())
        if fired:
            log.info("rule timer: %d rule(s) fired", fired)
    return Sweep("rule timer", sweep)


def quarantine_summary(config: Config, sessions: Sessions, clock: Clock, texts: Texts, sender) -> Sweep:
    async def sweep() -> None:
        async with sessions.begin() as session:
            counted = await summarize_machine_mail(session, config, texts, clock.now())
        if counted:
            sender.wake()
    return Sweep("quarantine summary", sweep)


def autoclose(config: Config, sessions: Sessions, clock: Clock, texts: Texts, has_bot: bool) -> Sweep:
    """Tickets waiting for a silent customer close by themselves; with a bot, the assignee is told."""
    on_closed = Notifier(config, texts).auto_closed if has_bot else None

    async def sweep() -> None:
        async with sessions.begin() as session:
            await autoclose_due(session, config, texts, clock.now(), on_closed)
    return Sweep("autoclose sweep", sweep)


def web_leftovers(sessions: Sessions, clock: Clock) -> Sweep:
    """Deletes the web face's log-in codes, sign-in links and sessions that can no longer let anyone in,
    and the form's requests its rate limit no longer counts."""
    async def sweep() -> None:
        async with sessions.begin() as session:
            swept = await web_access.sweep(session, clock.now())
            await web_form.forget(session, clock.now())
        if swept.codes or swept.links or swept.sessions:
            log.info("web sweep: %d codes, %d links, %d sessions deleted", swept.codes, swept.links, swept.sessions)
    return Sweep("web sweep", sweep)


def stale(config: Config, sessions: Sessions, clock: Clock, texts: Texts) -> Sweep:
    async def sweep() -> None:
        async with sessions.begin() as session:
            await nudge_stale(session, config, texts, clock.now())
    return Sweep("stale sweep", sweep)


def sla(config: Config, sessions: Sessions, clock: Clock, texts: Texts) -> Sweep:
    """SLA warnings to assignees and breaches to the dispatcher chat, from the indexed tickets.sla_check_at."""
    async def sweep() -> None:
        async with sessions.begin() as session:
            await tell_sla(session, config, texts, clock.now())
    return Sweep("sla sweep", sweep)


def hours(config: Config, sessions: Sessions, clock: Clock, texts: Texts) -> Sweep:
    async def sweep() -> None:
        async with sessions.begin() as session:
            await tell_hours(session, config, texts, clock.now())
    return Sweep("hours sweep", sweep)


async def monthly_reports(config: Config, sessions: Sessions, clock: Clock, texts: Texts,
                          has_bot: bool, *, only_missing: bool = False) -> int:
    """Last month's reports, made and stored; with a bot, sent to the managers for approval. How many made."""
    async with sessions.begin() as session:
        made = await month_reports(session, config, texts, clock.now(), only_missing=only_missing)
        if has_bot:
            await ask_managers(session, made, texts, clock.now())
    fresh = sum(one.fresh for one in made)
    log.info("monthly reports: %d made for %s", fresh, made[0].report.month if made else "last month")
    return fresh
