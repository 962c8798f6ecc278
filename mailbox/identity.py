"""A message's identity in the mailbox: its Message-ID, or a hash of its bytes when it has none."""
from __future__ import annotations

import hashlib
import re
from email.parser import BytesHeaderParser
from email.policy import compat32

from deskbot.mailbox.inbound import InboundMail

_ID = re.compile(r"<([^<>\s]+)>")
MAX_ID_LENGTH = 900  # longer ids are hashed: they must fit an indexed column


def normalize_message_id(value: str | None) -> str | None:
    """`<abc@host>` -> `abc@host`; the first bracketed id wins, junk around it is ignored."""
    if not value:
        return None
    match = _ID.search(value)
    found = match.group(1) if match else value.strip().strip("<>").strip()
    if not found or any(ch.isspace() for ch in found):
        return None
    return found


def message_key(message_id: str | None, raw: bytes) -> str:
    if message_id is None:
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    if len(message_id) > MAX_ID_LENGTH:
        return "sha256-id:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
    return message_id


def message_key_from_header(header: bytes) -> str | None:
    """The key from a `Message-ID:` header block alone; None when the body is needed (no id)."""
    value = BytesHeaderParser(policy=compat32).parsebytes(header).get("Message-ID")
    message_id = normalize_message_id(str(value) if value is not None else None)
    return None if message_id is None else message_key(message_id, b"")


def header_summary(head: bytes) -> tuple[str, str]:
    """The decoded From and Subject of a raw message (or its start), for people to read."""
    from deskbot.mailbox.charsets import decode_header

    headers = BytesHeaderParser(policy=compat32).parsebytes(head, headersonly=True)
    return tuple(decode_header(str(headers.get(name, ""))) for name in ("From", "Subject"))


def unparseable(raw: bytes, reason: str) -> InboundMail:
    """What we know of a message the parser could not handle: enough to quarantine it."""
    return InboundMail(key=message_key(None, raw), size=len(raw), sender_error=reason, problems=[reason])
