"""How migration 0008 reads the From and Subject of mail quarantined before it, for people to read.

A migration must give the same result whatever the code beside it becomes, and storage/ imports
nothing above it, so this is the standard library's decoding, not mailbox/charsets.py's: it
only fills the list of old items once, and a mislabelled charset costs a few replacement
characters there, never the mail (its bytes stay in raw_mail).
"""
from __future__ import annotations

from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32


def _decoded(value: str) -> str:
    try:
        text = str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError):
        text = value
    return " ".join(text.split())


def header_summary(head: bytes) -> tuple[str, str]:
    headers = BytesHeaderParser(policy=compat32).parsebytes(head, headersonly=True)
    return _decoded(str(headers.get("From", ""))), _decoded(str(headers.get("Subject", "")))
