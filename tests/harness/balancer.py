"""A tiny round-robin load balancer on 127.0.0.1, in front of several webhook listeners.

Each POST goes to the next backend in turn (or to the one `pin` names, once); a backend that
refuses the connection (a dead instance) is skipped for the next, as a proxy's passive health
check does. `routed` records which backend took which update.
"""
from __future__ import annotations

import json
import socket
from dataclasses import dataclass

import aiohttp
from aiohttp import web

FORWARDED = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


@dataclass(frozen=True)
class Routed:
    update_id: int | None
    backend: str
    status: int


class RoundRobin:
    def __init__(self, backends: list[str]) -> None:
        self.backends = backends  # base URLs: "http://127.0.0.1:8443"
        self.routed: list[Routed] = []
        self._turn = 0
        self._pinned: str | None = None
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    def pin(self, backend: str) -> None:
        """The next request goes to `backend` (if it answers); round robin after that."""
        self._pinned = backend

    def backend_of(self, update_id: int) -> str:
        return next(r.backend for r in self.routed if r.update_id == update_id and r.status == 200)

    async def __aenter__(self) -> RoundRobin:
        app = web.Application()
        app.router.add_route("POST", "/{path:.*}", self._forward)
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    def _order(self) -> list[str]:
        if self._pinned is not None:
            first, self._pinned = self._pinned, None
            return [first] + [b for b in self.backends if b != first]
        start, self._turn = self._turn, (self._turn + 1) % len(self.backends)
        return self.backends[start:] + self.backends[:start]

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {name: request.headers[name] for name in FORWARDED if name in request.headers}
        for backend in self._order():
            try:
                async with self._client.post(backend + request.path_qs, data=body, headers=headers) as answer:
                    payload = await answer.read()
                    self.routed.append(Routed(_update_id(body), backend, answer.status))
                    kept = {k: v for k, v in answer.headers.items() if k == "Content-Type"}
                    return web.Response(status=answer.status, body=payload, headers=kept)
            except aiohttp.ClientConnectionError:
                continue  # that instance is gone: the next one takes the update
        return web.Response(status=502, text="no backend answered")


def _update_id(body: bytes) -> int | None:
    try:
        return json.loads(body).get("update_id")
    except (ValueError, AttributeError):
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
