"""Outages and 429 storms that a test scripts, to see the bot survive them.

An outage answers every Bot API call (getUpdates included) for the next
``seconds`` and/or ``calls`` with one of:

- ``"bad_gateway"``: HTTP 502 ``{"ok": false, "error_code": 502, "description": "Bad Gateway"}``,
  as api.telegram.org answers while its backend restarts (aiogram: TelegramServerError);
- ``"bad_gateway_html"``: HTTP 502 with nginx's HTML page, as Telegram's front
  end answers when it is itself in trouble (aiogram: ClientDecodeError);
- ``"drop"``: the connection is closed without an answer (aiogram: TelegramNetworkError).

A flood answers the next ``calls`` sending calls with 429 and ``retry_after``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

FAULT_KINDS = ("bad_gateway", "bad_gateway_html", "drop")

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass
class _Script:
    kind: str
    until: float | None  # clock time; None: no time bound
    calls: int | None  # calls left; None: no count bound
    methods: frozenset[str] | None  # lower-cased method names; None: all

    def applies(self, method: str, now: float) -> bool:
        return ((self.until is None or now < self.until)
                and (self.calls is None or self.calls > 0)
                and (self.methods is None or method.lower() in self.methods))

    def expired(self, now: float) -> bool:
        return (self.until is not None and now >= self.until) or self.calls == 0

    def take(self) -> None:
        if self.calls is not None:
            self.calls -= 1


@dataclass(frozen=True)
class Flood:
    retry_after: int


class Faults:
    def __init__(self, clock: Callable[[], float]):
        self._clock = clock
        self._outages: list[_Script] = []
        self._floods: list[tuple[_Script, int]] = []

    @staticmethod
    def _methods(methods: Iterable[str] | None) -> frozenset[str] | None:
        return None if methods is None else frozenset(m.lower() for m in methods)

    def add_outage(self, kind: str = "bad_gateway", *, seconds: float | None = None,
                   calls: int | None = None, methods: Iterable[str] | None = None) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, not {kind!r}")
        if seconds is None and calls is None:
            raise ValueError("give seconds, calls or both: an outage must end")
        until = None if seconds is None else self._clock() + seconds
        self._outages.append(_Script(kind, until, calls, self._methods(methods)))

    def add_flood(self, *, calls: int, retry_after: int, methods: Iterable[str] | None = None) -> None:
        if calls < 1 or retry_after < 1:
            raise ValueError("calls and retry_after must be at least 1")
        self._floods.append((_Script("flood", None, calls, self._methods(methods)), retry_after))

    def outage_for(self, method: str) -> str | None:
        """The outage kind that answers this call, if any (and count the call)."""
        now = self._clock()
        self._outages = [s for s in self._outages if not s.expired(now)]
        for script in self._outages:
            if script.applies(method, now):
                script.take()
                return script.kind
        return None

    def flood_for(self, method: str) -> Flood | None:
        now = self._clock()
        self._floods = [(s, r) for s, r in self._floods if not s.expired(now)]
        for script, retry_after in self._floods:
            if script.applies(method, now):
                script.take()
                return Flood(retry_after)
        return None

    def clear(self) -> None:
        self._outages.clear()
        self._floods.clear()
