"""Who wrote a mail: its From read strictly, or recovered safely from a slightly broken header.

Mail clients, ticket systems, scanners and old Exchange or Lotus Notes servers
write From headers that the strict reading (`addresses`) refuses: a trailing
dot after the domain, `Petrov, Ivan <ivan@example.com>` without quotes, an
address without angle brackets after a name, an unclosed bracket, the address
only in the display name. When the strict reading fails, the header's literal
text is searched for addresses; when it holds exactly one (however often it is
written), that one is the author.

Only literal ASCII text counts. An encoded-word is never decoded into an
address (a display name that decodes to `boss@victim.example` stays a name),
and a header that puts one where an address is written is taken as forged:
nothing else in the mail is then asked who wrote it.

When From has no usable address, Sender (RFC 5322: who sent it) and then
Reply-To are read the same way. When From names several different people,
Sender says which one sent it, or a Reply-To naming one of them; otherwise
nobody is guessed and the mail is refused with the reason.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from deskbot.mailbox.addresses import ENCODED_IN_ADDRESS, addr_spec, display_name, mailboxes, shown
from deskbot.mailbox.charsets import decode_8bit
from deskbot.mailbox.inbound import Address

FROM, SENDER, REPLY_TO = "From", "Sender", "Reply-To"
# Words of a header's text, split where no address can go on: an address is one such word.
_WORD = re.compile(r'[^\s<>()\[\],;"]+')
_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
_BRACKETS = re.compile(r"[<>()\[\]]")


class Sender(NamedTuple):
    address: Address | None
    error: str | None  # why there is no address
    problems: list[str]  # worth logging although an address was found
    source: str = FROM  # the header the address was read from: From, Sender or Reply-To
    note: str | None = None  # how a broken header was read; None when From was read as written


class _Reading(NamedTuple):
    """What one header field says: its distinct addresses, or why it says none."""

    addresses: list[Address]
    error: str | None = None
    note: str | None = None  # set when the addresses were recovered from the text
    forged: bool = False  # an encoded-word where an address is written


def pick_sender(from_values: Sequence[str], sender_values: Sequence[str],
                reply_to_values: Sequence[str] = ()) -> Sender:
    """The author of a mail, and from which header and how it was read."""
    author = _read(FROM, from_values) if from_values else _Reading([], "no From header")
    if len(author.addresses) == 1:
        return Sender(author.addresses[0], None, [], FROM, author.note)
    if author.forged:
        return Sender(None, author.error, [])
    sender = _read(SENDER, sender_values) if sender_values else None
    reply_to = _read(REPLY_TO, reply_to_values) if reply_to_values else None
    if author.addresses:
        return _one_of_several(author.addresses, sender, reply_to)
    reasons = [author.error]
    for name, reading in ((SENDER, sender), (REPLY_TO, reply_to)):
        if reading is None:
            continue
        if len(reading.addresses) == 1:
            return Sender(reading.addresses[0], None, [author.error], name, f"address recovered from {name}")
        reasons.append(reading.error or _several(name, reading.addresses))
        if reading.forged:
            break
    return Sender(None, "; ".join(reasons), [])


def _one_of_several(authors: list[Address], sender: _Reading | None, reply_to: _Reading | None) -> Sender:
    """From names several people: RFC 5322 says Sender then tells who sent it."""
    count = f"{len(authors)} From addresses"
    if sender is not None and len(sender.addresses) == 1:
        return Sender(sender.addresses[0], None, [f"{count}, Sender used"], SENDER, f"{count}, Sender used")
    emails = {a.email for a in authors}
    if reply_to is not None and len(reply_to.addresses) == 1 and reply_to.addresses[0].email in emails:
        note = f"{count}, the one in Reply-To used"
        return Sender(reply_to.addresses[0], None, [note], REPLY_TO, note)
    return Sender(None, f"{_several(FROM, authors)} and no usable Sender to tell which one wrote", [])


def _several(name: str, addresses: list[Address]) -> str:
    listed = ", ".join(a.email for a in addresses[:3]) + (", ..." if len(addresses) > 3 else "")
    return f"{name}: {len(addresses)} different addresses ({listed})"


def _read(name: str, values: Sequence[str]) -> _Reading:
    boxes = [box for value in values for box in mailboxes(value)]
    if len(boxes) == 1 and boxes[0].address:  # the usual case, kept cheap
        return _Reading([boxes[0].address])
    refused = next((box.error for box in boxes if box.error), None)
    if refused is None:
        if not boxes:
            return _Reading([], f"empty {name} header")
        return _Reading(_distinct(box.address for box in boxes))
    # `=?utf-8?B?...?= ivan@example.com` is refused strictly (no brackets: the whole is read as the
    # address) but its address is literal text; an encoded-word with no literal address beside it is
    # taken as forged.
    suspect = refused.startswith(ENCODED_IN_ADDRESS)
    found: list[Address] = []
    for value in values:
        addresses, forged = _search(decode_8bit(value))
        if forged:
            return _Reading([], f"{name}: {ENCODED_IN_ADDRESS}: {shown(forged)}", forged=True)
        if not addresses:
            return _Reading([], f"{name}: {refused}", forged=suspect)
        found += addresses
    return _Reading(_distinct(found), note=f"address read from a malformed {name}: {refused}")


def _search(text: str) -> tuple[list[Address] | None, str | None]:
    """The addresses written literally in `text`, and the name around them.

    None when a word with an @ is no address we accept (which person it names is
    then unclear); the second value is the word when it hides an encoded-word.
    """
    emails: list[str] = []
    rest: list[str] = []
    end = 0
    for word in _WORD.finditer(text):
        token = word[0]
        if "@" not in token:
            continue
        if "=?" in token or "?=" in token:
            return None, token
        rest.append(text[end:word.start()])
        end = word.end()
        candidate = _MAILTO.sub("", token).strip("'").rstrip(".")  # 'a@b', mailto:a@b, a@example.com.
        if not candidate.isascii():
            return None, None
        email, error = addr_spec(candidate)
        if error and not error.startswith("Exchange-internal"):  # that one is no mailbox: skipped
            return None, None
        if email:
            emails.append(email)
    rest.append(text[end:])
    name = " ".join(display_name(_BRACKETS.sub(" ", "".join(rest))).split()).strip(" ,;:'\"")
    return [Address(email, name) for email in emails], None


def _distinct(addresses: Iterable[Address | None]) -> list[Address]:
    """One per address, in order, with the first name given for it."""
    found: dict[str, Address] = {}
    for address in addresses:
        if address is None:
            continue
        known = found.get(address.email)
        if known is None or (not known.name and address.name):
            found[address.email] = address
    return list(found.values())
