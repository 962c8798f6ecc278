"""SLA: first-response and resolution targets counted in business time, paused while the customer owes a reply.

Plain code over a ticket's audit log (created, answered, waiting, resumed, closed, reopened) and a
business-hours `Calendar`. The clock runs from the ticket's creation; it stops while the ticket waits
for the customer and between a close and a reopen. The first response is met by the first answer to
the customer (a close without one counts as the response), the resolution by the close.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from deskbot.dispatch.calendar import Calendar

FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
TARGETS = (FIRST_RESPONSE, RESOLUTION)
WARNING, BREACH = "warning", "breach"  # the alerts, each once per ticket and target
# The audit events that move the clock; any other kind leaves it as it is.
KINDS = frozenset({"answered", "waiting", "resumed", "reassigned", "closed", "reopened"})


class State(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"  # waiting for the customer
    WARNING = "warning"  # past warn_at of the target
    BREACHED = "breached"
    MET = "met"


@dataclass(frozen=True, slots=True)
class Targets:
    first_response: timedelta | None = None
    resolution: timedelta | None = None
    warn_at: float = 0.8  # the share of a target at which its assignee is warned

    def of(self, target: str) -> timedelta | None:
        return self.first_response if target == FIRST_RESPONSE else self.resolution

    @property
    def any(self) -> bool:
        return bool(self.first_response or self.resolution)


@dataclass(frozen=True, slots=True)
class Timeline:
    opened: datetime
    running: tuple[tuple[datetime, datetime | None], ...]  # spans of a running clock; the last may be open
    responded: datetime | None
    resolved: datetime | None  # closed, and not reopened since


@dataclass(frozen=True, slots=True)
class Figure:
    target: timedelta
    elapsed: timedelta  # business time counted so far (until the target was met or missed)
    warn: datetime | None  # when warn_at of the target is (was) reached; None while the clock stands before it
    due: datetime | None  # when the target is (was) missed; None while the clock stands before it
    done: datetime | None  # the response or the close that ended this clock
    state: State


def timeline(opened: datetime, events: Iterable[tuple[str, datetime]]) -> Timeline:
    """The clock's spans from the audit events (kind, at) of a ticket created at `opened`."""
    spans: list[tuple[datetime, datetime | None]] = []
    running_since: datetime | None = opened
    responded = resolved = None
    for kind, at in sorted(((k, a) for k, a in events if k in KINDS), key=lambda item: item[1]):
        at = max(at, opened)
        if kind == "answered" and responded is None:
            responded = at
        elif kind == "waiting" and running_since is not None:
            spans.append((running_since, at))
            running_since = None
        elif kind in ("resumed", "reassigned") and running_since is None and resolved is None:
            running_since = at
        elif kind == "closed" and resolved is None:
            if running_since is not None:
                spans.append((running_since, at))
            running_since, resolved = None, at
            responded = responded or at
        elif kind == "reopened" and resolved is not None:
            running_since, resolved = at, None
    if running_since is not None:
        spans.append((running_since, None))
    return Timeline(opened, tuple(spans), responded, resolved)


def figure(line: Timeline, calendar: Calendar, target: timedelta, warn_at: float, end: datetime | None,
           now: datetime) -> Figure:
    """One target's figure at `now`; `end` is what meets it (the response, the close) or None."""
    spans = _clipped(line.running, end)
    limit = min(now, end) if end is not None else now
    elapsed = sum((calendar.open_between(start, min(stop or limit, limit)) for start, stop in spans
                   if start < limit), timedelta())
    warn = _crossing(calendar, spans, target * warn_at)
    due = _crossing(calendar, spans, target)
    if end is not None and end <= now:
        state = State.BREACHED if due is not None and due < end else State.MET
    elif due is not None and due <= now:
        state = State.BREACHED
    elif not spans or spans[-1][1] is not None:
        state = State.PAUSED
    elif warn is not None and warn <= now:
        state = State.WARNING
    else:
        state = State.RUNNING
    return Figure(target, elapsed, warn, due, end, state)


def figures(line: Timeline, calendar: Calendar, targets: Targets, now: datetime) -> dict[str, Figure]:
    """The figure of every target set (none when the ticket has no SLA), as the events up to `now` tell it."""
    line = _as_of(line, now)
    found = {}
    for name, end in ((FIRST_RESPONSE, line.responded), (RESOLUTION, line.resolved)):
        target = targets.of(name)
        if target:
            found[name] = figure(line, calendar, target, targets.warn_at, end, now)
    return found


def alerts_due(found: Mapping[str, Figure], sent: set[tuple[str, str]], now: datetime
               ) -> tuple[list[tuple[str, str]], datetime | None]:
    """(target, level) alerts due now and not sent yet, and when to look again (None: nothing left to watch).

    A warning is only worth sending while the target can still be met; a missed one is told even
    when the ticket was answered or closed late before anyone looked.
    """
    due: list[tuple[str, str]] = []
    later: list[datetime] = []
    for name, one in found.items():
        missed = one.due is not None and one.due <= now and (one.done is None or one.due < one.done)
        if missed:
            if (name, BREACH) not in sent:
                due.append((name, BREACH))
            continue
        if one.done is not None:
            continue
        if one.warn is not None and one.warn <= now:
            if (name, WARNING) not in sent:
                due.append((name, WARNING))
        elif one.warn is not None and (name, WARNING) not in sent:
            later.append(one.warn)
        if one.due is not None and (name, BREACH) not in sent:
            later.append(one.due)
    return due, min(later, default=None)


def _as_of(line: Timeline, now: datetime) -> Timeline:
    spans = tuple((start, None if stop is None or stop > now else stop) for start, stop in line.running
                  if start <= now)
    return Timeline(line.opened, spans, _until(line.responded, now), _until(line.resolved, now))


def _until(moment: datetime | None, now: datetime) -> datetime | None:
    return moment if moment is not None and moment <= now else None


def _clipped(spans: tuple[tuple[datetime, datetime | None], ...], end: datetime | None
             ) -> list[tuple[datetime, datetime | None]]:
    if end is None:
        return list(spans)
    return [(start, end if stop is None else min(stop, end)) for start, stop in spans if start < end]


def _crossing(calendar: Calendar, spans: list[tuple[datetime, datetime | None]], amount: timedelta) -> datetime | None:
    """When `amount` of business time has run along the spans; None when they stop before it."""
    used = timedelta()
    for start, stop in spans:
        if stop is not None:
            chunk = calendar.open_between(start, stop)
            if used + chunk < amount:
                used += chunk
                continue
        return calendar.add(start, amount - used)
    return None


@dataclass(frozen=True, slots=True)
class Count:
    met: int = 0
    breached: int = 0
    open: int = 0  # still running or paused when counted


@dataclass(frozen=True, slots=True)
class Summary:
    """A month's report: how many tickets had SLA targets, and how each target went."""
    tickets: int
    first_response: Count
    resolution: Count


def summarize(tickets: Iterable[Mapping[str, Figure]]) -> Summary | None:
    """None when no ticket had a target: the report then says nothing of SLA."""
    counted = 0
    counts = {name: {"met": 0, "breached": 0, "open": 0} for name in TARGETS}
    for found in tickets:
        if not found:
            continue
        counted += 1
        for name, one in found.items():
            kind = {State.MET: "met", State.BREACHED: "breached"}.get(one.state, "open")
            counts[name][kind] += 1
    if not counted:
        return None
    return Summary(counted, Count(**counts[FIRST_RESPONSE]), Count(**counts[RESOLUTION]))
