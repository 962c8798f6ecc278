"""Raw RFC 822 bytes in, `InboundMail` out: the pure parse of one received mail.

The parse path is the standard library's parser with the compat32 policy,
handing header values over undecoded so that our own code decodes them
(`charsets`, `addresses`): the modern `policy.default` builds a header
object per field and runs the body through its content manager, which costs
about eight times as much. Measured with `benchmarks/parse.py` (3000 mails of
the benchmark mix, 5.5 KB on average, one core of a shared two-core VM; runs
vary by a third with the machine's load, the ratios do not):

    email.message_from_bytes, policy.default + get_body/get_content      350 mails/s
    email.message_from_bytes, policy.compat32 + get_payload(decode=True) 2800 mails/s
    parse_mail: compat32 + our decoding, addresses, HTML, loop checks    1500 mails/s

`parse_mail` never raises: what goes wrong is written to `problems`, and a
mail whose author cannot be told gets `sender=None` and a `sender_error`.
"""
from __future__ import annotations

import email
import re
from datetime import datetime
from email.message import Message
from email.policy import Compat32
from email.utils import collapse_rfc2231_value, parsedate_to_datetime

from deskbot.mailbox.addresses import parse_addresses
from deskbot.mailbox.attachments import safe_filename, save_attachment
from deskbot.mailbox.charsets import decode_8bit, decode_header, decode_text
from deskbot.mailbox.html import html_to_text, meta_charset
from deskbot.mailbox.identity import mail_key, normalize_message_id, unparseable
from deskbot.mailbox.inbound import Address, Attachment, InboundMail, ParseOptions
from deskbot.mailbox.loops import auto_reason
from deskbot.mailbox.sender import pick_sender

FORWARD_LINE = "---------- Forwarded message ----------"
_FORWARD_FIELDS = ("From", "Date", "Subject", "To")
_SIGNATURES = {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
_MAX_DEPTH = 30  # MIME nesting beyond this is an attack on the parser, not a mail
_ANGLED = re.compile(r"<([^<>]*)>")
_WHITESPACE = re.compile(r"\s+")
_ID_SEPARATORS = re.compile(r"[\s,]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # NUL and friends: PostgreSQL text refuses NUL


class _RawHeaders(Compat32):
    """compat32 handing header values over as received (8-bit bytes as surrogate escapes)."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_POLICY = _RawHeaders()


def parse_mail(raw: bytes, options: ParseOptions = ParseOptions()) -> InboundMail:
    """Everything deskbot needs from one raw mail; never raises."""
    try:
        return _parse(raw, options)
    except Exception as exc:  # one unreadable mail must not stop the mailbox
        mail = unparseable(raw, "the mail could not be parsed")
        mail.problems.append(f"{type(exc).__name__}: {exc}")
        return mail


def parse_batch(raws: list[bytes], options: ParseOptions) -> list[InboundMail]:
    """`parse_mail` over many mails: one round trip to a worker process instead of one per mail."""
    return [parse_mail(raw, options) for raw in raws]


def _parse(raw: bytes, options: ParseOptions) -> InboundMail:
    message = email.message_from_bytes(raw, policy=_POLICY)
    headers = _header_map(message)
    message_id = normalize_message_id(decode_8bit(_first(headers, "message-id") or ""))
    mail = InboundMail(key=mail_key(raw), size=len(raw), message_id=message_id)
    if not raw.strip():
        mail.problems.append("empty message")
    sender = pick_sender(headers.get("from", []), headers.get("sender", []), headers.get("reply-to", []))
    mail.sender, mail.sender_error = sender.address, sender.error
    mail.sender_source, mail.sender_note = sender.source, sender.note
    mail.problems += sender.problems
    reply_to = _addresses(headers, "reply-to", mail.problems)
    mail.reply_to = reply_to[0] if reply_to else None
    mail.to = _addresses(headers, "to", mail.problems)
    mail.cc = _addresses(headers, "cc", mail.problems)
    mail.subject = decode_header(_first(headers, "subject") or "")
    mail.date = _date(_first(headers, "date"), mail.problems)
    mail.in_reply_to = message_ids(" ".join(headers.get("in-reply-to", [])))
    mail.references = message_ids(" ".join(headers.get("references", [])))
    body = _Body(options)
    body.walk(message, 0)
    mail.text = "\n\n".join(text for text in body.texts if text)
    mail.from_html = body.from_html
    mail.attachments = body.attachments
    mail.auto = auto_reason(headers, mail.sender)
    mail.problems += body.problems + _defects(message)
    return mail


def _header_map(message: Message) -> dict[str, list[str]]:
    """Raw header values by lower-cased field name, in order."""
    headers: dict[str, list[str]] = {}
    for name, value in message.items():
        headers.setdefault(name.lower(), []).append(value)
    return headers


def message_ids(value: str) -> list[str]:
    """Message-IDs of In-Reply-To or References, without angle brackets, junk between them skipped."""
    value = decode_8bit(value)
    ids = [_WHITESPACE.sub("", found) for found in _ANGLED.findall(value)]
    if "<" not in value:  # some mailers drop the brackets
        ids = [word for word in _ID_SEPARATORS.split(value) if "@" in word]
    return list(dict.fromkeys(found for found in ids if found))


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _addresses(headers: dict[str, list[str]], name: str, problems: list[str]) -> list[Address]:
    found, refused = parse_addresses(headers.get(name, []))
    problems += [f"{name.title()}: {reason}" for reason in refused]
    return found


def _date(value: str | None, problems: list[str]) -> datetime | None:
    if value is None:
        return None
    text = decode_header(value)
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append(f"unreadable Date: {text[:60]!r}")
        return None


def _defects(message: Message) -> list[str]:
    names = {type(defect).__name__ for part in message.walk() for defect in part.defects}
    return [f"MIME defects: {', '.join(sorted(names))}"] if names else []


class _Body:
    """Walks the MIME tree: text for the ticket, attachments to keep."""

    def __init__(self, options: ParseOptions) -> None:
        self.options = options
        self.texts: list[str] = []
        self.attachments: list[Attachment] = []
        self.problems: list[str] = []
        self.from_html = False
        self.text_wanted = True  # False inside alternatives we did not choose

    def walk(self, part: Message, depth: int) -> None:
        if depth > _MAX_DEPTH:
            self.problems.append(f"MIME parts nested deeper than {_MAX_DEPTH}, the rest skipped")
            return
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            self.forward(part, depth)
        elif part.is_multipart():
            children = [child for child in part.get_payload() if isinstance(child, Message)]
            if content_type == "multipart/alternative":
                self.alternative(children, depth)
            else:
                for child in children:
                    self.walk(child, depth + 1)
        elif _is_text_body(part, "text/plain", "text/html"):
            if self.text_wanted:
                self.texts.append(self.text(part, content_type))
        elif content_type not in _SIGNATURES:
            self.attachment(part, content_type)

    def alternative(self, children: list[Message], depth: int) -> None:
        """The plain text version when it says something, else the richest; of the others only attachments."""
        plain = next((child for child in children if _is_text_body(child, "text/plain")), None)
        text = self.text(plain, "text/plain") if plain is not None and self.text_wanted else ""
        others = [child for child in children if child is not plain]
        chosen = None if text or not others else others[-1]
        if text:
            self.texts.append(text)
        for child in others:
            wanted, self.text_wanted = self.text_wanted, self.text_wanted and child is chosen
            self.walk(child, depth + 1)
            self.text_wanted = wanted

    def text(self, part: Message, content_type: str) -> str:
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset()
        if content_type == "text/html" and not charset:
            charset = meta_charset(payload)
        text, problem = decode_text(payload, charset)
        if problem:
            self.problems.append(f"{content_type}: {problem}")
        if content_type == "text/html":
            text = html_to_text(text)
            self.from_html = True
        return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()

    def forward(self, part: Message, depth: int) -> None:
        inner = part.get_payload()
        if not isinstance(inner, list) or not inner or not isinstance(inner[0], Message):
            self.problems.append("message/rfc822 part without a message")
            return
        if self.text_wanted:
            headers = _header_map(inner[0])
            lines = [f"{name}: {decode_header(headers[name.lower()][0])}"
                     for name in _FORWARD_FIELDS if name.lower() in headers]
            self.texts.append("\n".join([FORWARD_LINE, *lines]))
        self.walk(inner[0], depth + 1)

    def attachment(self, part: Message, content_type: str) -> None:
        payload = part.get_payload(decode=True) or b""
        name = _given_filename(part)
        filename = safe_filename(decode_header(name) if name else None, content_type)
        content_id = _ANGLED.sub(r"\1", decode_header(part.get("content-id", ""))).strip() or None
        disposition = part.get_content_disposition()
        inline = disposition == "inline" or (disposition is None and content_id is not None)
        saved = save_attachment(payload, filename, content_type, self.options, inline=inline, content_id=content_id)
        if saved.skipped_reason:
            self.problems.append(f"attachment {filename!r} {saved.skipped_reason}")
        self.attachments.append(saved)


def _is_text_body(part: Message, *content_types: str) -> bool:
    """A text part meant to be read as the mail, not a text file attached to it."""
    return (part.get_content_type() in content_types and part.get_content_disposition() != "attachment"
            and not _given_filename(part))


def _given_filename(part: Message) -> str | None:
    """The file name the sender gave a part, undecoded; None also when its parameters are broken."""
    try:
        name = part.get_filename() or part.get_param("name")
        return collapse_rfc2231_value(name) if isinstance(name, tuple) else name
    except (TypeError, ValueError, UnicodeError):  # malformed RFC 2231 parameters trip the standard library
        return None
