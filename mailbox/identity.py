"""A message's identity in the mailbox: what makes two fetched mails the same mail.

Some senders (ticket trackers, monitoring, scanners, old clients) put one Message-ID
on many different mails, so the Message-ID alone is not an identity. The key is the
Message-ID together with a digest of the sender, the date, the subject and the body
bytes as sent (after the header block): the same mail fetched again (after a crash,
a UIDVALIDITY change, a second run) and the same mail delivered twice (only trace
headers such as Received, Delivered-To, Return-Path differ) get the same key; a
different mail does not.

Mail without a Date header is recognised only byte for byte: without a date, two
identical alerts sent an hour apart could not be told from one mail delivered twice,
and losing a mail is worse than a second ticket.

`mail_key` reads raw bytes only (no MIME parse), so the poller can compute it for
mail it fetched just to see whether it is stored already. Migration 0007 holds a
frozen copy: changing this rule needs a migration that recomputes the stored keys.
"""
from __future__ import annotations

import hashlib
import re
from email.parser import BytesHeaderParser
from email.policy import compat32

from deskbot.mailbox.inbound import InboundMail

_ID = re.compile(r"<([^<>\s]+)>")
MAX_ID_LENGTH = 900  # longer ids are hashed: they must fit an indexed column
KEY_VERSION = b"deskbot mail key 1\n"
KEY_FIELDS = (b"message-id", b"from", b"date", b"subject")


def normalize_message_id(value: str | None) -> str | None:
    """`<abc@host>` -> `abc@host`; the first bracketed id wins, junk around it is ignored."""
    if not value:
        return None
    match = _ID.search(value)
    found = match.group(1) if match else value.strip().strip("<>").strip()
    if not found or any(ch.isspace() for ch in found):
        return None
    return found


def mail_key(raw: bytes) -> str:
    """`<message-id> <sha256 hex>`, or `no-id:<sha256 hex>` for mail without a Message-ID."""
    head_end, body_start = split_at(raw)
    fields = header_fields(raw[:head_end])
    digest = hashlib.sha256(KEY_VERSION)
    if fields.get(b"date") is None:
        digest.update(b"whole\n")
        digest.update(raw)
    else:
        for name in KEY_FIELDS:
            value = fields.get(name) or b""
            digest.update(b"%d:" % len(value) + value)
        # Trailing blank lines, which some relays add, do not count. Line ends are as IMAP
        # serves them (always CRLF), so they are not rewritten: that would cost a copy.
        body_end = len(raw)
        while body_end > body_start and raw[body_end - 1] in b"\r\n":
            body_end -= 1
        digest.update(memoryview(raw)[body_start:body_end])
    message_id = normalize_message_id((fields.get(b"message-id") or b"").decode("utf-8", "replace"))
    if message_id is None:
        return "no-id:" + digest.hexdigest()
    return f"{_id_part(message_id)} {digest.hexdigest()}"


def _id_part(message_id: str) -> str:
    """The id as it is, when it is short printable ASCII (readable in `deskbot quarantine`), else its hash."""
    if len(message_id) <= MAX_ID_LENGTH and message_id.isascii() and message_id.isprintable():
        return message_id
    return "sha256-id:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()


def split_at(raw: bytes) -> tuple[int, int]:
    """(end of the header block, start of the body): the first empty line divides them; none, no body."""
    if raw.startswith(b"\n"):
        return 0, 1
    if raw.startswith(b"\r\n"):
        return 0, 2
    crlf = raw.find(b"\r\n\r\n")
    lf = raw.find(b"\n\n", 0, crlf if crlf >= 0 else len(raw))  # bounded: the body is not scanned twice
    if lf >= 0:
        return lf, lf + 2
    if crlf >= 0:
        return crlf, crlf + 4
    return len(raw), len(raw)


def header_fields(head: bytes, names: tuple[bytes, ...] = KEY_FIELDS) -> dict[bytes, bytes]:
    """The first value of each named field (lower-case names), unfolded, whitespace runs made one space.

    Plain `find`s on a lower-cased copy: a regular expression over the header block costs
    three times more, and the poller runs this for every mail it rescans.
    """
    lower = b"\n" + head.lower()  # index i here is index i - 1 in head
    found: dict[bytes, bytes] = {}
    for name in names:
        at = lower.find(b"\n" + name + b":")
        if at < 0:
            continue
        start = at + len(name) + 1
        end = head.find(b"\n", start)
        while end >= 0 and head[end + 1:end + 2] in (b" ", b"\t"):  # folded onto the next line
            end = head.find(b"\n", end + 1)
        found[name] = b" ".join(head[start:end if end >= 0 else len(head)].split())
    return found


def header_summary(head: bytes) -> tuple[str, str]:
    """The decoded From and Subject of a raw message (or its start), for people to read."""
    from deskbot.mailbox.charsets import decode_header

    headers = BytesHeaderParser(policy=compat32).parsebytes(head, headersonly=True)
    return tuple(decode_header(str(headers.get(name, ""))) for name in ("From", "Subject"))


def unparseable(raw: bytes, reason: str) -> InboundMail:
    """What we know of a message the parser could not handle: enough to quarantine it."""
    return InboundMail(key=mail_key(raw), size=len(raw), sender_error=reason, problems=[reason])
