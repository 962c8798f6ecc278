"""What becomes of a received mail: a new ticket, a reply on a ticket, or quarantine.

Plain rules, no I/O: the caller looks up what the rules need (tickets known by
Message-ID, ours and received, the parties of tickets named by a subject tag) and passes it in.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from deskbot.mailbox.inbound import InboundMail

TAG = re.compile(r"\[#(\d{1,9})\]")


class Outcome(StrEnum):
    TICKET = "ticket"  # opened a new ticket
    REPLY = "reply"  # a new message on the ticket it answers
    AUTO = "auto"  # automatic mail kept on the ticket it refers to; opens nothing
    QUARANTINE = "quarantine"  # kept with its reason; a person looks at it
    DUPLICATE = "duplicate"  # the same mail is stored already (mailbox/identity.py: not just the same Message-ID)


@dataclass(frozen=True, slots=True)
class TicketParties:
    """Who may thread into a ticket by naming it in the subject: tags are easy to forge."""

    ticket_id: int
    customer_email: str | None
    organization_domain: str | None
    addresses: frozenset[str]  # every sender already on the ticket

    def admits(self, email: str, *, by_domain: bool = True) -> bool:
        domain = email.rpartition("@")[2]
        return (
            email == self.customer_email
            or email in self.addresses
            or (by_domain and self.organization_domain is not None and domain == self.organization_domain)
        )


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    ticket_id: int | None = None
    reason: str | None = None
    reopens: bool = False  # a reply that brings its closed ticket back into work
    follows: int | None = None  # a new ticket opened by a reply to one closed too long ago


def after_close(decision: Decision, closed_at: datetime | None, now: datetime, reopen_within: timedelta) -> Decision:
    """A person's reply to a closed ticket reopens it within `reopen_within`; later, it opens a
    new ticket that follows the old one. Automatic mail never reopens anything."""
    if decision.outcome is not Outcome.REPLY or closed_at is None:
        return decision
    if now - closed_at <= reopen_within:
        return Decision(Outcome.REPLY, decision.ticket_id, reason="reopened", reopens=True)
    return Decision(Outcome.TICKET, reason=f"follows #{decision.ticket_id}, closed too long ago",
                    follows=decision.ticket_id)


def subject_tags(subject: str) -> list[int]:
    return [int(n) for n in TAG.findall(subject)]


@dataclass(slots=True)
class KnownIds:
    """What the database knows of the Message-IDs mail refers to (In-Reply-To, References)."""

    ours: dict[str, int] = field(default_factory=dict)  # ids of mail we sent -> its ticket: ours are unique
    received: dict[str, set[int]] = field(default_factory=dict)  # ids of received mail -> every ticket with one

    def add_received(self, message_id: str, ticket_id: int) -> None:
        self.received.setdefault(message_id, set()).add(ticket_id)

    def every_received(self) -> set[int]:
        return {ticket for tickets in self.received.values() for ticket in tickets}


@dataclass(frozen=True, slots=True)
class Match:
    """The ticket a mail answers, or None; `unclear` when only an ambiguous Message-ID pointed anywhere."""

    ticket_id: int | None
    unclear: tuple[str, tuple[int, ...]] | None = None  # (the Message-ID, the tickets it is on)


def find_ticket(mail: InboundMail, known: KnownIds, tagged: Mapping[int, TicketParties]) -> Match:
    """The ticket this mail answers, strongest evidence first.

    1. In-Reply-To/References naming mail we sent (our own Message-IDs);
    2. a `[#N]` subject tag from someone the ticket admits (TicketParties);
    3. In-Reply-To/References naming received mail, when that Message-ID is on one
       ticket only: senders reuse Message-IDs, so one on two tickets proves nothing.
    Within each, In-Reply-To comes before References, the latest reference first.
    """
    for message_id in mail.thread_ids:
        ticket_id = known.ours.get(message_id)
        if ticket_id is not None:
            return Match(ticket_id)
    if mail.sender is not None:
        # A sender read from Sender or Reply-To (From gave none, or several) is weaker evidence of who
        # wrote: it threads by a tag only as an address already on the ticket, not by its domain.
        by_domain = mail.sender_source == "From"
        for number in subject_tags(mail.subject):
            parties = tagged.get(number)
            if parties is not None and parties.admits(mail.sender.email, by_domain=by_domain):
                return Match(parties.ticket_id)
    unclear = None
    for message_id in mail.thread_ids:
        tickets = known.received.get(message_id, ())
        if len(tickets) == 1:
            return Match(next(iter(tickets)))
        if tickets and unclear is None:
            unclear = (message_id, tuple(sorted(tickets)))
    return Match(None, unclear)


def note_unclear_thread(decision: Decision, message_id: str, tickets: Iterable[int]) -> Decision:
    """Say why a mail that seemed to answer a ticket did not join one (the stored reason, the log)."""
    numbers = ", ".join(f"#{n}" for n in sorted(tickets))
    note = f"its reference <{message_id}> is on tickets {numbers}: a new ticket rather than a guess"
    if decision.outcome is not Outcome.TICKET:
        note = f"its reference <{message_id}> is on tickets {numbers}, so it answers none of them"
    return replace(decision, reason=f"{decision.reason}; {note}" if decision.reason else note)


def decide(mail: InboundMail, ticket_id: int | None, own_addresses: set[str]) -> Decision:
    """Only mail from a person, not from ourselves, may open a ticket (RFC 3834 loop rules)."""
    if mail.sender is None:
        return Decision(Outcome.QUARANTINE, reason=f"no usable sender: {mail.sender_error or 'unknown'}")
    if mail.sender.email in own_addresses:
        reason = f"mail from our own address {mail.sender.email}"
        if ticket_id is not None:
            return Decision(Outcome.AUTO, ticket_id, reason)
        return Decision(Outcome.QUARANTINE, reason=reason)
    if mail.auto:
        if ticket_id is not None:
            return Decision(Outcome.AUTO, ticket_id, mail.auto)
        return Decision(Outcome.QUARANTINE, reason=f"automatic mail that answers no ticket ({mail.auto})")
    if ticket_id is not None:
        return Decision(Outcome.REPLY, ticket_id)
    return Decision(Outcome.TICKET)


def organization_domain(email: str, free_mail_domains: set[str]) -> str | None:
    """Customers are grouped by their mail domain, unless it is a free-mail provider."""
    domain = email.rpartition("@")[2]
    if not domain or domain in free_mail_domains:
        return None
    return domain
