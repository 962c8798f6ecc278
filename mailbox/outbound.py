"""Mail we send, composed: an answer in the customer's thread, or an automatic acknowledgement.

Pure: values in, an `email.message.EmailMessage` out; no I/O. The caller chooses the
Message-ID and stores it with the ticket's messages before anything is sent, so a
reply to our mail threads even if it arrives before the send is recorded.
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from deskbot.mailbox.attachments import safe_filename

MAX_REFERENCES = 10  # the thread's root and the latest ids: enough for every client to thread
_REPLY_PREFIX = re.compile(r"^\s*(re|ответ|aw|sv)\s*(\[\d+\])?\s*:", re.IGNORECASE)
_CONTENT_TYPE = re.compile(r"^([a-z0-9][a-z0-9!#$&^_.+-]{0,63})/([a-z0-9][a-z0-9!#$&^_.+-]{0,63})$")


@dataclass(frozen=True, slots=True)
class OutboundAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Outbound:
    from_address: str  # "Support <support@example.com>"
    to_address: str
    to_name: str
    subject: str  # already the subject to send: see `reply_subject`
    text: str  # the plain-text body, signature included
    in_reply_to: str | None = None  # Message-IDs without the angle brackets
    references: Sequence[str] = ()
    automatic: bool = False  # written by deskbot itself: RFC 3834 marks it, so no robot answers it
    auto_submitted: str = "auto-replied"  # RFC 3834: "auto-generated" when it answers no mail
    attachments: Sequence[OutboundAttachment] = field(default_factory=tuple)


def reply_subject(subject: str, number: int) -> str:
    """`Re: <subject> [#N]`: one "Re:", one tag, whatever the customer's client did to the subject."""
    base = " ".join(subject.split())
    tag = f"[#{number}]"
    base = base.replace(tag, "").strip()
    if not _REPLY_PREFIX.match(base):
        base = f"Re: {base}" if base else "Re:"
    return f"{base} {tag}"


def new_message_id(from_address: str) -> str:
    """A fresh Message-ID in the domain of our address, without the angle brackets."""
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)[1:-1]


def thread_references(known: Sequence[str], parent: str | None) -> list[str]:
    """References for an answer: the thread's root, its latest ids, the parent last; no repeats."""
    chain = [i for i in dict.fromkeys([*known, *([parent] if parent else [])]) if i]
    if parent and chain[-1] != parent:
        chain.remove(parent)
        chain.append(parent)
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1):]]
    return chain


def compose(mail: Outbound, *, message_id: str, date: datetime) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = mail.from_address
    msg["To"] = formataddr((mail.to_name, mail.to_address)) if mail.to_name else mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = f"<{message_id}>"
    if mail.in_reply_to:
        msg["In-Reply-To"] = f"<{mail.in_reply_to}>"
    if mail.references:
        msg["References"] = " ".join(f"<{ref}>" for ref in mail.references)
    if mail.automatic:
        msg["Auto-Submitted"] = mail.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"  # Exchange's out-of-office stays quiet too
    # Quoted-printable: 7-bit clean for any relay, still readable as source.
    msg.set_content(mail.text, cte="quoted-printable")
    msg.add_alternative(as_html(mail.text), subtype="html", cte="quoted-printable")
    for item in map(fitted, mail.attachments):
        maintype, _, subtype = item.content_type.partition("/")
        # The email package writes base64, and an RFC 2231 filename*= for a non-ASCII name.
        msg.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.filename)
    return msg


def fitted(item: OutboundAttachment) -> OutboundAttachment:
    """The attachment with a safe file name and a type fit for a header: the sender's client named both."""
    found = _CONTENT_TYPE.match(item.content_type.split(";")[0].strip().lower())
    # multipart/* and message/* would have to be MIME structures, not opaque bytes.
    if found is None or found.group(1) in ("multipart", "message"):
        content_type = "application/octet-stream"
    else:
        content_type = found.group(0)
    return OutboundAttachment(safe_filename(item.filename, content_type), content_type, item.data)


def as_html(text: str) -> str:
    """The plain text as simple HTML: paragraphs and line breaks, everything escaped."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "\n".join("<p>" + "<br>\n".join(html.escape(line) for line in p.splitlines()) + "</p>"
                     for p in paragraphs)
    return f'<!DOCTYPE html>\n<html><body style="font-family: sans-serif">\n{body}\n</body></html>\n'
