"""/healthz, /readyz and /metrics: for the machines that watch the service, without a login.

Served by the web face (web/app.py) and, when `[metrics] listen` is set, by a listener of their own
(`probes_app`). /healthz answers at once without the database: the process is alive. /readyz runs the
readiness checks (dispatch/health.py): 200, or 503 with the checks that failed. /metrics is the Prometheus
text (deskbot.telemetry), for the addresses of `[metrics] allow` only.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.dispatch import outbox
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.health import Readiness
from deskbot.telemetry import exposition
from deskbot.web.guards import forwarded_for

log = logging.getLogger("deskbot.web")
BACKLOG_TIMEOUT = 5.0


@dataclass
class Probes:
    readiness: Readiness
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    allow: list[str] = field(default_factory=list)  # [] anyone
    proxies: list[str] = field(default_factory=list)  # whose X-Forwarded-For tells the client

    def __post_init__(self) -> None:
        self._networks = [ipaddress.ip_network(a, strict=False) for a in self.allow]

    def may_scrape(self, request: web.Request) -> bool:
        if not self._networks:
            return True
        client = _client(request, self.proxies)
        try:
            address = ipaddress.ip_address(client or "")
        except ValueError:
            return False
        return any(address in network for network in self._networks)


PROBES = web.AppKey("probes", Probes)


def _client(request: web.Request, proxies: list[str]) -> str | None:
    """The client's address; None when a proxy we do not know forwarded the request (its client is unknown)."""
    if "X-Forwarded-For" not in request.headers and "Forwarded" not in request.headers:
        return request.remote or ""
    return forwarded_for(request, proxies)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"alive": True})


async def readyz(request: web.Request) -> web.Response:
    checks = await request.app[PROBES].readiness.run()
    ready = all(answer == "ok" for answer in checks.values())
    return web.json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    probes = request.app[PROBES]
    if not probes.may_scrape(request):
        raise web.HTTPForbidden(text="not in [metrics] allow\n")
    try:
        async with asyncio.timeout(BACKLOG_TIMEOUT), probes.sessions() as session:
            backlog = await outbox.backlog(session, now=probes.clock.now())
    except Exception as exc:  # noqa: BLE001 - the database is away: the rest is still worth reading
        log.warning("/metrics: the outbox's backlog is left out (%s)", type(exc).__name__)
        backlog = None
    body, content_type = exposition.render(backlog)
    return web.Response(body=body, headers={"Content-Type": content_type})


def routes() -> list[web.RouteDef]:
    return [web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)]


def probes_app(probes: Probes) -> web.Application:
    """The three on a listener of their own (`[metrics] listen`)."""
    app = web.Application()
    app[PROBES] = probes
    app.add_routes(routes())
    return app
