"""Telling automatic mail (auto-replies, bounces, list mail) from mail a person wrote.

Answering automatic mail automatically is how two robots mail each other
forever (RFC 3834), so such mail must never get an automatic answer.

`X-Auto-Response-Suppress` is a request ("do not auto-answer me"), not a
claim that the mail is automatic: Outlook puts values like "DR, RN, NRN" or
"OOF, AutoReply" on mail people write (meeting responses, messages sent with
delivery receipts off). Exchange sets "All" on the mail it generates itself
(out-of-office replies, notifications), so only "All" counts here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from deskbot.mailbox.charsets import decode_header
from deskbot.mailbox.inbound import Address

_FLAG_HEADERS = ("x-autoreply", "x-autorespond", "x-failed-recipients")
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_LIST_HEADERS = ("list-id", "list-unsubscribe")
_SYSTEM_SENDERS = {"mailer-daemon", "postmaster"}
_REPORT_TYPE = re.compile(r'report-type\s*=\s*"?([\w/-]+)')


def auto_reason(headers: Mapping[str, list[str]], sender: Address | None) -> str | None:
    """Why this mail is automatic, e.g. "Auto-Submitted: auto-replied"; None when a person wrote it.

    `headers` maps lower-cased field names to their raw values.
    """
    if value := _first(headers, "auto-submitted"):
        if value.split(";")[0].strip().lower() != "no":
            return f"Auto-Submitted: {value}"
    for name in _FLAG_HEADERS:
        if (value := _first(headers, name)) is not None and value.lower() != "no":
            return f"{_title(name)}: {value}"
    content_type = (_first(headers, "content-type") or "").lower()
    if content_type.startswith("multipart/report"):
        kind = _REPORT_TYPE.search(content_type)
        return f"a delivery or read report ({kind[1] if kind else 'multipart/report'})"
    if (value := _first(headers, "precedence")) and value.lower() in _BULK_PRECEDENCE:
        return f"Precedence: {value}"
    if (value := _first(headers, "x-auto-response-suppress")) and _suppresses_all(value):
        return f"X-Auto-Response-Suppress: {value}"
    if sender and sender.email.partition("@")[0] in _SYSTEM_SENDERS:
        return f"sent by {sender.email}"
    if (value := _first(headers, "return-path")) is not None and value.replace(" ", "") == "<>":
        return "empty Return-Path (a bounce)"
    for name in _LIST_HEADERS:
        if value := _first(headers, name):
            return f"mailing list ({_title(name)}: {value})"
    return None


def _first(headers: Mapping[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return decode_header(values[0])[:120] if values else None


def _suppresses_all(value: str) -> bool:
    return any(word.strip().lower() == "all" for word in value.split(","))


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))
