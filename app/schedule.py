"""When every sweep runs: one APScheduler, its periods and its two daily and monthly triggers.

Each sweep is also woken by what makes it due (a commit that opens tickets, a row queued,
IDLE's news): the period is the safety net.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from deskbot.dispatch.background import Sweep
from deskbot.dispatch.config import Config

ANNOUNCE_EVERY = 1.0  # seconds
NAG_SWEEP_EVERY = 5.0  # seconds at most; dispatch.nag_every decides when a ticket is due
OUTBOX_SWEEP_EVERY = 5.0  # seconds: rows queued by another process (the CLI) get no wake
LIFECYCLE_SWEEP_EVERY = 30.0  # seconds: auto-close and stale nudges count in days
WEB_SWEEP_EVERY = 3600.0  # seconds: the web face's spent codes, links and sessions only take room
# The loops' own timers, for when the scheduler is gone: RFC 2177 wants IDLE renewed within 29 minutes.
IDLE_RENEW = 25 * 60.0
SENDER_BACKSTOP = 300.0
DAILY_GRACE = 6 * 3600  # a daily or monthly run missed by up to six hours still runs


class Scheduler(AsyncIOScheduler):
    """APScheduler, knowing the sweeps it runs. Its shutdown() cancels a pass under way and
    does not wait for it to end; `stop()` lets the pass commit (Sweep.close), then shuts down."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.sweeps: list[Sweep] = []

    async def stop(self) -> None:
        """No run starts any more, and every pass under way has ended: the database can close."""
        if self.running:
            self.pause()
        await asyncio.gather(*(sweep.close() for sweep in self.sweeps))
        if self.running:
            self.shutdown(wait=False)


def scheduler() -> Scheduler:
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per run every second is noise
    return Scheduler(timezone=timezone.utc)


def every(scheduler: Scheduler, sweep: Sweep, seconds: float) -> None:
    """Run `sweep` now and every `seconds`; its wake() moves the next run to now."""
    scheduler.sweeps.append(sweep)
    sweep.job = scheduler.add_job(sweep.run, "interval", seconds=seconds, id=sweep.name, coalesce=True,
                                  max_instances=2, misfire_grace_time=None, next_run_time=datetime.now(timezone.utc))


def wake_every(scheduler: Scheduler, seconds: float, wake: Callable[[], None], name: str) -> None:
    """A loop with its own timers (a sender, the poller) looks again at least every `seconds`."""
    scheduler.add_job(wake, "interval", seconds=seconds, id=name, coalesce=True, misfire_grace_time=None)


def on(scheduler: Scheduler, sweep: Sweep, trigger: CronTrigger) -> None:
    """Run `sweep` at each time of a cron trigger (one pass at a time)."""
    scheduler.sweeps.append(sweep)
    sweep.job = scheduler.add_job(sweep.run, trigger, id=sweep.name, coalesce=True, max_instances=1,
                                  misfire_grace_time=DAILY_GRACE)


def once(scheduler: Scheduler, sweep: Sweep) -> None:
    """Run `sweep` once, at once (again, when asked again: an instance that leads again)."""
    if sweep not in scheduler.sweeps:
        scheduler.sweeps.append(sweep)
    sweep.job = scheduler.add_job(sweep.run, id=sweep.name, next_run_time=datetime.now(timezone.utc),
                                  replace_existing=True)


def monthly_trigger(config: Config) -> CronTrigger:
    """The 1st of each month at reports.hour, in the desk's time zone."""
    return CronTrigger(day=1, hour=config.reports.hour, minute=0, timezone=config.dispatch.timezone)


def quarantine_trigger(config: Config) -> CronTrigger:
    """Daily at quarantine.summary_hour, in the desk's time zone: the count of machine mail kept aside."""
    return CronTrigger(hour=config.quarantine.summary_hour, minute=0, timezone=config.dispatch.timezone)


def past_this_months_run(config: Config, now: datetime) -> bool:
    """Whether this month's reports were due already (the 1st's hour has passed)."""
    local = now.astimezone(ZoneInfo(config.dispatch.timezone))
    return local.day > 1 or local.hour >= config.reports.hour
