"""Quarantined mail: whose it is, and how the dispatcher chat hears of it.

Plain rules, no I/O. A person's mail kept aside is announced at once; machine mail
(RFC 3834 automatic mail: bounces, auto-replies, list and bulk mail; and mail from our
own addresses) is only counted, once a day, so that it never buries what people wrote.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from deskbot.dispatch.rules import DIGEST_CHARS
from deskbot.mailbox.inbound import InboundMail

NOTICE_CARDS = 3  # up to this many people's mails get a message each, with their buttons; more are listed


class Kind(StrEnum):
    PERSON = "person"
    MACHINE = "machine"


class Fate(StrEnum):
    OPEN = "open"  # nobody decided yet
    RELEASED = "released"  # made a ticket
    DISMISSED = "dismissed"


def kind_of(mail: InboundMail, own_addresses: set[str]) -> Kind:
    """A person's mail is neither automatic (RFC 3834) nor from one of our own addresses.

    Mail whose sender could not be determined counts as a person's unless it says it is
    automatic: a human with a broken From is exactly who must not be lost. The same goes
    for mail the database refused, which the caller classifies from what was parsed.
    """
    if mail.auto:
        return Kind.MACHINE
    if mail.sender is not None and mail.sender.email in own_addresses:
        return Kind.MACHINE
    return Kind.PERSON


@dataclass(frozen=True, slots=True)
class KeptAside:
    """A quarantined mail as the dispatcher chat is told of it."""

    id: int  # the raw_mail id: what /quarantine_N and the CLI name
    sender: str
    subject: str
    reason: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Notices:
    """A message each for a few (with buttons), or one list of many: never both."""

    cards: tuple[KeptAside, ...] = ()
    listed: tuple[KeptAside, ...] = ()
    more: int = 0  # waiting, not in this list: the next sweep lists them

    @property
    def shown(self) -> list[int]:
        return [item.id for item in (*self.cards, *self.listed)]


def plan_notices(waiting: Sequence[KeptAside], budget: int, measure: Callable[[KeptAside], int],
                 limit: int = DIGEST_CHARS) -> Notices:
    """What to tell the dispatcher chat now, oldest first, within `budget` messages.

    New tickets take the chat's budget first; people's mails kept aside are rare, so a
    message each for a handful, else one list message holding as many lines as fit
    (`measure` gives a line's length, newline included); the rest wait for the next sweep.
    """
    items = list(waiting)
    if budget <= 0 or not items:
        return Notices()
    if len(items) <= min(NOTICE_CARDS, budget):
        return Notices(cards=tuple(items))
    listed, used = [], 0
    for item in items:
        used += measure(item)
        if used > limit:
            break
        listed.append(item)
    return Notices(listed=tuple(listed), more=len(items) - len(listed))



def reason_kind(reason: str) -> str:
    """Why a mail was kept aside, as the catalog names it (`quarantine-why-*`); the whole reason,
    which may hold a database's wording, stays in the log and on the command line."""
    if reason.startswith("no usable sender"):
        return "no-sender"
    if reason.startswith("mail from our own address"):
        return "own-address"
    if reason.startswith("automatic mail"):
        return "automatic"
    if reason.startswith("could not be stored"):
        return "unstorable"
    return "other"
