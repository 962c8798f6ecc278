"""Who may do what to a ticket, when the dispatcher is nagged, how a burst is announced.

Plain rules, no I/O: the caller reads the ticket and the person from the database
(a button's callback data grants nothing) and passes the values in, clock included.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from deskbot.dispatch.calendar import Calendar

# Telegram refuses a message over 4096 visible characters; the rest of the room
# is kept for the digest's header ("300 new tickets (2/3)").
DIGEST_CHARS = 3900


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # for the customer: their reply puts it back in work, silence closes it
    CLOSED = "closed"


class Action(StrEnum):
    ASSIGN = "assign"
    TAKE = "take"
    REASSIGN = "reassign"  # back to the dispatcher
    CLOSE = "close"
    WAIT = "wait"  # for the customer
    RESUME = "resume"  # back in work: the customer replied, or the assignee says so
    AUTOCLOSE = "autoclose"  # the customer stayed silent: no time is asked


OPEN = frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING})  # someone's work


def overridable(status: str, assigned_how: str | None, by_rule: str | None) -> bool:
    """Assigned by the department's automatic choice or a routing rule, and not taken yet: a dispatcher
    may still choose someone else."""
    return status == Status.ASSIGNED and bool(assigned_how or by_rule)


def assignable(status: str, assigned_how: str | None = None, by_rule: str | None = None) -> bool:
    """Whether a dispatcher may (re)assign the ticket now: while it waits, or over a choice that stands."""
    return status == Status.NEW or overridable(status, assigned_how, by_rule)


_MOVES: dict[Action, tuple[frozenset[str], Status]] = {
    Action.ASSIGN: (frozenset({Status.NEW}), Status.ASSIGNED),
    Action.TAKE: (frozenset({Status.ASSIGNED}), Status.IN_PROGRESS),
    Action.REASSIGN: (OPEN, Status.NEW),
    Action.CLOSE: (OPEN, Status.CLOSED),
    Action.WAIT: (frozenset({Status.ASSIGNED, Status.IN_PROGRESS}), Status.WAITING),
    Action.RESUME: (frozenset({Status.WAITING}), Status.IN_PROGRESS),
    Action.AUTOCLOSE: (frozenset({Status.WAITING}), Status.CLOSED),
}


class TransitionError(ValueError):
    """`reason` names the catalog text; `status` is what the ticket already is.

    For a lost race ("already_assigned") the caller re-reads the ticket it
    holds to tell the second dispatcher who assigned it to whom.
    """

    def __init__(self, status: str, action: str, reason: str) -> None:
        super().__init__(f"cannot {action} a ticket that is {status}: {reason}")
        self.status, self.action, self.reason = status, action, reason


def transition(status: str, action: str, *, time_spent: int | None = None,
               no_charge: bool = False) -> Status:
    """The status after `action`; closing needs the minutes spent, or no charge."""
    try:
        allowed_from, to = _MOVES[Action(action)]
    except ValueError:
        raise TransitionError(status, action, "unknown_action") from None
    if status not in allowed_from:
        raise TransitionError(status, action, _why_not(status, Action(action)))
    if action == Action.CLOSE and not no_charge and not (time_spent and time_spent > 0):
        raise TransitionError(status, action, "time_not_recorded")
    return to


def _why_not(status: str, action: Action) -> str:
    if status == Status.CLOSED:
        return "already_closed"
    if action is Action.ASSIGN:
        return "already_assigned"
    if action is Action.TAKE and status == Status.IN_PROGRESS:
        return "already_taken"
    if action is Action.WAIT and status == Status.WAITING:
        return "already_waiting"
    if action is Action.RESUME and status in OPEN:
        return "not_waiting"
    return "not_assigned"


# Roles --------------------------------------------------------------------

def may_assign(roles: Iterable[str]) -> bool:
    return "dispatcher" in roles


def may_take(roles: Iterable[str], staff_id: int, ticket_assignee_id: int | None) -> bool:
    # Taking acknowledges one's own work: a dispatcher cannot do it for someone.
    return ticket_assignee_id is not None and staff_id == ticket_assignee_id


def may_close(roles: Iterable[str], staff_id: int, ticket_assignee_id: int | None) -> bool:
    return may_take(roles, staff_id, ticket_assignee_id) or may_assign(roles)


def may_reassign(roles: Iterable[str], staff_id: int, ticket_assignee_id: int | None) -> bool:
    return may_close(roles, staff_id, ticket_assignee_id)


# Nags ---------------------------------------------------------------------

def next_nag_at(created_or_last_nag: datetime, nag_every: timedelta, hours: Calendar | None = None) -> datetime:
    """`nag_every` later; with business `hours`, a moment outside them moves to the desk's next opening."""
    _aware(created_or_last_nag)
    if nag_every <= timedelta(0):
        raise ValueError("nag_every must be positive")
    due = created_or_last_nag + nag_every
    return due if hours is None else hours.next_open(due)


def nag_due(ticket_status: str, next_nag_at: datetime | None, now: datetime) -> bool:
    """Only an unassigned ticket nags: assignment stops it at once."""
    _aware(now)
    return ticket_status == Status.NEW and next_nag_at is not None and _aware(next_nag_at) <= now


def _aware(moment: datetime) -> datetime:
    # A naive time compared with an aware one raises late, in a sweep; refuse it here.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a time without a time zone: {moment!r}")
    return moment


@dataclass(frozen=True, slots=True)
class WaitingTicket:
    number: int
    subject: str
    sender: str  # the customer's name, or the address when there is no name
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Digest:
    """One message listing tickets; each line lets the dispatcher open that ticket as a card.

    `style` picks how long a line may be (0 is the widest): the caller's measure
    and its rendering agree on what each style means.
    """

    tickets: tuple[WaitingTicket, ...]
    part: int  # 1-based, for "(2/3)"
    parts: int
    style: int = 0
    more: int = 0  # tickets left out of the last part, for "...and 40 more"


@dataclass(frozen=True, slots=True)
class Reminder:
    """Either cards (one message each, with buttons) or digests: never both, never a flood."""

    cards: tuple[WaitingTicket, ...]
    digests: tuple[Digest, ...]
    ages: dict[int, timedelta]  # ticket number -> how long it has waited


@dataclass(frozen=True, slots=True)
class Announcement:
    """A card for one ticket, or a digest of several: exactly one of the two is set."""

    card: WaitingTicket | None = None
    digest: Digest | None = None


Measure = Callable[[WaitingTicket, int], int]  # (ticket, style) -> the line's length, newline included


def estimate_line(ticket: WaitingTicket, style: int = 0) -> int:
    """A digest line's length when the bot does not pass its own measure (number, separators, newline)."""
    return len(ticket.subject) + len(ticket.sender) + len(str(ticket.number)) + 24


# Bursts --------------------------------------------------------------------

# A burst still landing (commits less than BURST_QUIET apart) is listed once it has
# landed, so that one set of digests holds all of it; never later than BURST_PATIENCE
# after its first ticket, so that a steady stream is still shown.
BURST_QUIET = timedelta(seconds=1)
BURST_PATIENCE = timedelta(seconds=10)


def cards_allowed(budget: int) -> int:
    """Up to this many new tickets get a card each; more are a burst, listed in digests.

    A quarter of the chat's minute is kept back: a burst often lands in several
    commits, and what it leaves pays for the digests of the mail still arriving.
    """
    return budget - budget // 4


def burst_landing(created: Sequence[datetime], now: datetime) -> bool:
    """Whether to wait before listing these tickets: the newest is a moment old, the oldest not yet impatient."""
    _aware(now)
    if not created:
        return False
    return now - max(created) < BURST_QUIET and now - min(created) < BURST_PATIENCE


def plan_announcements(new_tickets: Sequence[WaitingTicket], budget: int, *, measure: Measure = estimate_line,
                       styles: int = 1, limit: int = DIGEST_CHARS) -> list[Announcement]:
    """A card each for a handful of tickets; a burst only in digests, in the widest lines that list it all.

    `budget` is the number of messages the chat can take within the minute (about
    20 into a group). A digest is a tenth of a card's cost per ticket or less, and
    every card spent in a burst would push tickets out of it: so no cards then. A
    tenth of the budget is kept for mail that lands later in the minute.
    """
    tickets = list(new_tickets)
    if budget <= 0 or not tickets:
        return []
    if len(tickets) <= cards_allowed(budget):
        return [Announcement(card=t) for t in tickets]
    digests = pack(tickets, max(1, budget - budget // 10), measure=measure, styles=styles, limit=limit)
    return [Announcement(digest=d) for d in digests]


def group_for_reminder(waiting: Sequence[WaitingTicket], now: datetime, max_cards: int, *, room: int = 1,
                       measure: Measure = estimate_line, styles: int = 1, limit: int = DIGEST_CHARS,
                       ) -> Reminder:
    """Cards for up to `max_cards` tickets; more are listed in at most `room` digests.

    What does not fit is counted in the last digest ("...and 40 more"): one
    reminder for the lot, never a flood that would crowd new tickets out.
    """
    _aware(now)
    ages = {t.number: now - t.created_at for t in waiting}
    if len(waiting) <= max_cards:
        return Reminder(cards=tuple(waiting), digests=(), ages=ages)
    return Reminder(cards=(), digests=tuple(pack(list(waiting), room, measure=measure, styles=styles,
                                                 limit=limit)), ages=ages)


def pack(tickets: Sequence[WaitingTicket], room: int, *, measure: Measure = estimate_line, styles: int = 1,
         limit: int = DIGEST_CHARS) -> list[Digest]:
    """Digests listing the tickets in at most `room` messages, in the widest style that lists them all.

    When even the narrowest style cannot, the oldest that fit are listed and the
    last digest counts the rest (`more`): they wait for the next sweep.
    """
    if room <= 0 or not tickets:
        return []
    for style in range(styles):
        pages = _pages(tickets, lambda t, s=style: measure(t, s), limit, stop_after=room)
        if len(pages) <= room:
            return _numbered(pages, style, more=0)
    kept = pages[:room]
    return _numbered(kept, styles - 1, more=len(tickets) - sum(map(len, kept)))


def _numbered(pages: list[list[WaitingTicket]], style: int, more: int) -> list[Digest]:
    last = len(pages)
    return [Digest(tuple(page), part, last, style, more if part == last else 0)
            for part, page in enumerate(pages, 1)]


def _pages(tickets: Sequence[WaitingTicket], measure: Callable[[WaitingTicket], int], limit: int,
           stop_after: int | None = None) -> list[list[WaitingTicket]]:
    """Greedy packing; stops once `stop_after` pages are full and one more is started (enough to say "too many")."""
    pages: list[list[WaitingTicket]] = []
    used = limit
    for ticket in tickets:
        size = measure(ticket)
        if size > limit:
            raise ValueError(f"a digest line of ticket {ticket.number} is longer than a message")
        if used + size > limit:
            if stop_after is not None and len(pages) > stop_after:
                break
            pages.append([])
            used = 0
        pages[-1].append(ticket)
        used += size
    return pages
