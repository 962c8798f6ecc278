"""Who may do what to a ticket, when the dispatcher is nagged, how a burst is announced.

Plain rules, no I/O: the caller reads the ticket and the person from the database
(a button's callback data grants nothing) and passes the values in, clock included.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# Telegram refuses a message over 4096 visible characters; the rest of the room
# is kept for the digest's header ("300 new tickets (2/3)").
DIGEST_CHARS = 3900


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Action(StrEnum):
    ASSIGN = "assign"
    TAKE = "take"
    REASSIGN = "reassign"  # back to the dispatcher
    CLOSE = "close"


_WORKED = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})
_MOVES: dict[Action, tuple[frozenset[str], Status]] = {
    Action.ASSIGN: (frozenset({Status.NEW}), Status.ASSIGNED),
    Action.TAKE: (frozenset({Status.ASSIGNED}), Status.IN_PROGRESS),
    Action.REASSIGN: (_WORKED, Status.NEW),
    Action.CLOSE: (_WORKED, Status.CLOSED),
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
    if to is Status.CLOSED and not no_charge and not (time_spent and time_spent > 0):
        raise TransitionError(status, action, "time_not_recorded")
    return to


def _why_not(status: str, action: Action) -> str:
    if status == Status.CLOSED:
        return "already_closed"
    if action is Action.ASSIGN:
        return "already_assigned"
    if action is Action.TAKE and status == Status.IN_PROGRESS:
        return "already_taken"
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

def next_nag_at(created_or_last_nag: datetime, nag_every: timedelta) -> datetime:
    _aware(created_or_last_nag)
    if nag_every <= timedelta(0):
        raise ValueError("nag_every must be positive")
    return created_or_last_nag + nag_every


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
    """One message listing tickets; each line lets the dispatcher open that ticket as a card."""

    tickets: tuple[WaitingTicket, ...]
    part: int  # 1-based, for "(2/3)"
    parts: int


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


def estimate_line(ticket: WaitingTicket) -> int:
    """A digest line's length when the bot does not pass its own measure (number, separators, newline)."""
    return len(ticket.subject) + len(ticket.sender) + len(str(ticket.number)) + 24


def group_for_reminder(waiting: Sequence[WaitingTicket], now: datetime, max_cards: int, *,
                       measure: Callable[[WaitingTicket], int] = estimate_line,
                       limit: int = DIGEST_CHARS) -> Reminder:
    _aware(now)
    ages = {t.number: now - t.created_at for t in waiting}
    if len(waiting) <= max_cards:
        return Reminder(cards=tuple(waiting), digests=(), ages=ages)
    return Reminder(cards=(), digests=tuple(_digests(list(waiting), measure, limit)), ages=ages)


def plan_announcements(new_tickets: Sequence[WaitingTicket], cards_budget: int, *,
                       measure: Callable[[WaitingTicket], int] = estimate_line,
                       limit: int = DIGEST_CHARS) -> list[Announcement]:
    """Cards for as many tickets as the budget of messages allows, digests for the rest.

    `cards_budget` is the number of messages the chat can take now (about 20 a
    minute into a group); the digests are paid from it too, so cards and digests
    together stay within it whenever digests alone do. Every ticket is listed.
    """
    tickets = list(new_tickets)
    if len(tickets) <= cards_budget:
        return [Announcement(card=t) for t in tickets]
    # digests_from[i]: how many digests the tickets from i on need, packed from the end.
    digests_from = _digest_counts(tickets, measure, limit)
    cards = 0
    for k in range(min(cards_budget, len(tickets)), -1, -1):
        if k + digests_from[k] <= cards_budget:
            cards = k
            break
    plan = [Announcement(card=t) for t in tickets[:cards]]
    plan += [Announcement(digest=d) for d in _digests(tickets[cards:], measure, limit)]
    return plan


def _digest_counts(tickets: list[WaitingTicket], measure: Callable[[WaitingTicket], int],
                   limit: int) -> list[int]:
    # Packing greedily from the end gives the fewest messages for every suffix at once.
    counts, used = [0] * (len(tickets) + 1), limit
    for i in range(len(tickets) - 1, -1, -1):
        size = measure(tickets[i])
        if used + size > limit:
            counts[i], used = counts[i + 1] + 1, size
        else:
            counts[i], used = counts[i + 1], used + size
    return counts


def _digests(tickets: list[WaitingTicket], measure: Callable[[WaitingTicket], int],
             limit: int) -> list[Digest]:
    pages: list[list[WaitingTicket]] = []
    used = limit
    for ticket in tickets:
        size = measure(ticket)
        if size > limit:
            raise ValueError(f"a digest line of ticket {ticket.number} is longer than a message")
        if used + size > limit:
            pages.append([])
            used = 0
        pages[-1].append(ticket)
        used += size
    return [Digest(tuple(page), part, len(pages)) for part, page in enumerate(pages, 1)]
