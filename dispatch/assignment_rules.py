"""Automatic assignment: who of a department gets a ticket, and whether a person is available.

Plain code: the caller reads the department's people, their open tickets and their away marks,
and passes them in with the clock; the answer is a person, or none, with the reason in words
(it goes into the audit log as it is).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from deskbot.dispatch.durations import parse_duration

if TYPE_CHECKING:
    from deskbot.dispatch.calendar import Calendar

MANUAL, ROUND_ROBIN, LEAST_LOADED = "manual", "round_robin", "least_loaded"
AUTOMATIC = frozenset({ROUND_ROBIN, LEAST_LOADED})
WORDS = {ROUND_ROBIN: "round robin", LEAST_LOADED: "fewest open tickets"}

AWAY, ON_LEAVE, OFF_HOURS = "away", "on leave", "outside working hours"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person of the department, as the choice sees them."""

    id: int
    name: str
    open_tickets: int = 0
    absent: str | None = None  # AWAY, ON_LEAVE or OFF_HOURS: not available now


@dataclass(frozen=True, slots=True)
class Choice:
    person: Candidate | None
    mode: str
    reason: str  # in words: "round robin", "fewest open tickets (2)", or why nobody


def choose(mode: str, people: Sequence[Candidate], last_assigned: int | None, *, max_open: int = 0,
           tried: frozenset[int] = frozenset()) -> Choice:
    """The person who gets the ticket, or none.

    Round robin: the next available person after the last one assigned, in the order of their
    staff ids, wrapping round. Least loaded: the fewest open tickets; a tie goes to the next in
    round-robin order. Nobody is chosen who is away, on leave, outside working hours, at the cap
    of `max_open` open tickets (0: none), or among `tried` (offered this ticket already).
    """
    if mode not in AUTOMATIC:
        raise ValueError(f"not an automatic mode: {mode!r}")
    free = [p for p in people if _why_not(p, max_open, tried) is None]
    if not free:
        return Choice(None, mode, nobody(people, max_open, tried))
    ordered = _in_turn(free, last_assigned)
    if mode == ROUND_ROBIN:
        return Choice(ordered[0], mode, WORDS[ROUND_ROBIN])
    fewest = min(p.open_tickets for p in ordered)
    person = next(p for p in ordered if p.open_tickets == fewest)
    return Choice(person, mode, f"{WORDS[LEAST_LOADED]} ({fewest})")


def nobody(people: Sequence[Candidate], max_open: int = 0, tried: frozenset[int] = frozenset()) -> str:
    if not people:
        return "nobody available: the department has nobody"
    reasons = ", ".join(f"{p.name} {_why_not(p, max_open, tried)}" for p in sorted(people, key=lambda p: p.id))
    return f"nobody available: {reasons}"


def _why_not(person: Candidate, max_open: int, tried: frozenset[int]) -> str | None:
    if person.absent:
        return person.absent
    if person.id in tried:
        return "did not take it"
    if max_open and person.open_tickets >= max_open:
        return f"has {person.open_tickets} open (cap {max_open})"
    return None


def _in_turn(people: Sequence[Candidate], last_assigned: int | None) -> list[Candidate]:
    """By staff id, starting after `last_assigned` and wrapping round."""
    ordered = sorted(people, key=lambda p: p.id)
    if last_assigned is None:
        return ordered
    after = [p for p in ordered if p.id > last_assigned]
    return after + [p for p in ordered if p.id <= last_assigned]


# Availability ---------------------------------------------------------------------------------

def absence(now: datetime, hours: Calendar, leave: Sequence[tuple[date, date]] = (),
            away_since: datetime | None = None, away_until: datetime | None = None) -> str | None:
    """Why the person is not available at `now` (AWAY, ON_LEAVE, OFF_HOURS), or None."""
    if is_away(now, away_since, away_until):
        return AWAY
    today = now.astimezone(hours.zone).date()
    if any(first <= today <= last for first, last in leave):
        return ON_LEAVE
    if not hours.is_open(now):
        return OFF_HOURS
    return None


def is_away(now: datetime, away_since: datetime | None, away_until: datetime | None) -> bool:
    """/away with no end holds until /back; with an end, until then."""
    return away_since is not None and (away_until is None or now < away_until)


def parse_leave(value: str | date) -> tuple[date, date]:
    """"2026-12-20..2026-12-31" or "2027-01-15" (or a TOML date) -> (first day, last day)."""
    if isinstance(value, date):
        return value, value
    first, dots, last = value.strip().partition("..")
    first, last = first.strip(), (last.strip() if dots else first.strip())
    if not (_DAY.fullmatch(first) and _DAY.fullmatch(last)):
        raise ValueError("use YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise ValueError("not a date") from None
    if end < start:
        raise ValueError("the last day is before the first")
    return start, end


def away_until(text: str, now: datetime, zone) -> datetime | None:
    """What /away says: "" (until /back: None), a duration ("3d", "4h") or a last day ("2026-12-31",
    away through that day, in `zone`). Raises ValueError on anything else or on a time already past."""
    text = text.strip()
    if not text:
        return None
    if _DAY.fullmatch(text):
        try:
            last = date.fromisoformat(text)
        except ValueError:
            raise ValueError(text) from None
        until = datetime.combine(last + timedelta(days=1), time(0), zone)
    else:
        until = now + parse_duration(text)
    if until <= now:
        raise ValueError(text)
    return until


def take_deadline(assigned_at: datetime, within: timedelta | None, hours: Calendar) -> datetime | None:
    """When an automatic assignee who has not pressed Take loses the ticket: `within` of their working time."""
    if within is None:
        return None
    return hours.add(assigned_at, within)
