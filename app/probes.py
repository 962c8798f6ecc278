"""Wiring of /healthz, /readyz and /metrics (web/health.py): the readiness checks of this instance, and the
listener of their own when `[metrics] listen` is set (the web face serves them too: app/web.py)."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from deskbot.dispatch import health
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.mailbox.poller import Poller
from deskbot.web.app import serving
from deskbot.web.health import Probes, probes_app

log = logging.getLogger("deskbot.service")


def prepare(config: Config, sessions, clock: Clock, poller: Poller | None,
            follows: Callable[[], bool] = lambda: False) -> Probes:
    """The database, and the IMAP session when this instance polls a mailbox (not while another instance
    leads it: `follows`, app/leadership.py); Telegram is added by the Telegram side once its bot exists
    (app/service.py)."""
    readiness = health.Readiness()
    readiness.add("database", health.database(sessions))
    if poller is not None:
        async def imap() -> str | None:
            return None if poller.connected or follows() else "no IMAP session"
        readiness.add("imap", imap)
    return Probes(readiness, sessions, clock, allow=list(config.metrics.allow), proxies=list(config.web.proxies))


@contextlib.asynccontextmanager
async def listening(config: Config, found: Probes) -> AsyncIterator[None]:
    if not config.metrics.listen:
        yield
        return
    async with serving(probes_app(found), config.metrics.listen, what="health and metrics"):
        yield
