"""Strict reading of From, Sender, Reply-To, To and Cc.

The sender decides who a ticket belongs to, so an address we are not sure of
is refused with a reason rather than repaired here (`sender` recovers the
author of a mail from a few known malformed forms, and only from literal text). The header is split into
mailboxes before anything is decoded: decoding first would let
`=?utf-8?Q?attacker?Q?agent?=@victim.example`, or an encoded `<` or `,` in a
display name, change which address is read. Encoded-words are decoded in
display names only; inside an address they are refused (RFC 2047 section 5).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from deskbot.mailbox.charsets import decode_8bit, decode_header
from deskbot.mailbox.inbound import Address

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u00a0-\U0010ffff]+"  # with UTF-8 (RFC 6532)
_DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_QUOTED = re.compile(r'"((?:[^"\\\r\n]|\\.)*)"')
_ENCODED_WORD = re.compile(r"=\?.*\?=")
_ROUTE = re.compile(r"^(?:@[^:<>]*:)")  # obsolete source route: <@relay:user@host>
_LABEL = re.compile(r"(?!-)[^\W_]+(?:-+[^\W_]+)*")
# Exchange wraps addresses it cannot map in IMCEA<type>-... (X.500 or encapsulated SMTP): they
# bounce, and unwrapping one would be decoding an address out of other text.
_EXCHANGE_INTERNAL = re.compile(r"imcea[a-z]*-", re.IGNORECASE)
ENCODED_IN_ADDRESS = "encoded-word inside the address"


class Mailbox(NamedTuple):
    address: Address | None
    error: str | None  # why this mailbox was refused


def parse_addresses(values: list[str]) -> tuple[list[Address], list[str]]:
    """Every valid mailbox of some address-list header fields, and why the others were dropped."""
    found: list[Address] = []
    problems: list[str] = []
    for value in values:
        for mailbox in mailboxes(value):
            if mailbox.address:
                found.append(mailbox.address)
            else:
                problems.append(mailbox.error or "")
    return found, problems


def mailboxes(value: str) -> list[Mailbox]:
    """The mailboxes of one header value, each read strictly or refused with a reason."""
    pieces, error = _split(decode_8bit(value))
    if error:
        return [Mailbox(None, f"{error} in {shown(value)}")]
    return [_mailbox(piece) for piece in pieces if piece.phrase.strip() or piece.angle is not None]


class _Piece(NamedTuple):
    """One mailbox as written: `phrase <angle> trailer (comments)`."""

    phrase: str  # the display name; the address itself when there are no angle brackets
    angle: str | None
    trailer: str
    comments: list[str]


def _split(value: str) -> tuple[list[_Piece], str | None]:
    """The mailboxes of an address list, split at commas outside quotes, comments and brackets.

    Group names ("team: a, b;") are dropped; their members are kept.
    """
    pieces: list[_Piece] = []
    phrase: list[str] = []
    angle: list[str] | None = None
    trailer: list[str] = []
    comments: list[str] = []
    depth = 0
    quoted = in_angle = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == "(":
            depth += 1
            if depth == 1:
                comments.append("")
                continue
        elif char == ")":
            if not depth:
                return [], "unbalanced parenthesis"
            depth -= 1
            if not depth:
                continue
        elif depth:
            pass
        elif char == '"':
            quoted = True
        elif char == "<" and angle is None:
            angle, in_angle = [], True
            continue
        elif char == ">" and in_angle:
            in_angle = False
            continue
        elif char in "<>" and (in_angle or angle is None):
            return [], "unbalanced angle brackets"
        elif char in ",;:" and not in_angle:
            if char != ":":
                pieces.append(_Piece("".join(phrase), _joined(angle), "".join(trailer), comments))
            phrase, angle, trailer, comments = [], None, [], []
            continue
        if depth:
            comments[-1] += char
        else:
            (angle if in_angle else trailer if angle is not None else phrase).append(char)
    if quoted or depth or in_angle:
        return [], "unterminated quote or bracket"
    pieces.append(_Piece("".join(phrase), _joined(angle), "".join(trailer), comments))
    return pieces, None


def _joined(chars: list[str] | None) -> str | None:
    return None if chars is None else "".join(chars)


def _mailbox(piece: _Piece) -> Mailbox:
    if piece.angle is None:
        name, spec = " ".join(piece.comments), piece.phrase.strip()
    elif piece.trailer.strip():
        return Mailbox(None, f"text after the address in {shown(f'{piece.phrase}<{piece.angle}>{piece.trailer}')}")
    else:
        name, spec = piece.phrase, piece.angle.strip()
    if not spec:
        return Mailbox(None, "empty address <>")
    email, error = addr_spec(_ROUTE.sub("", spec))
    if error:
        return Mailbox(None, f"{error}: {shown(spec)}")
    return Mailbox(Address(email, display_name(name)), None)


def addr_spec(spec: str) -> tuple[str, str | None]:
    """The lower-cased address, or why `spec` is not one we accept."""
    if _ENCODED_WORD.search(spec):
        return "", ENCODED_IN_ADDRESS
    local, at, domain = spec.rpartition("@")
    if not at:
        return "", "no @ in the address"
    if not local:
        return "", "empty local part"
    if _EXCHANGE_INTERNAL.match(local):
        return "", "Exchange-internal address (IMCEA), not a mailbox"
    if match := _QUOTED.fullmatch(local):
        local = re.sub(r"\\(.)", r"\1", match[1])
        if not _DOT_ATOM.fullmatch(local):
            local = '"' + local.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif not _DOT_ATOM.fullmatch(local):
        return "", "invalid local part"
    if len(local) > 64:
        return "", "local part longer than 64 characters"
    domain = _domain(domain)
    if domain is None:
        return "", "invalid domain"
    return f"{local.lower()}@{domain}", None


def _domain(domain: str) -> str | None:
    """The domain in unicode, lower-cased; None unless it is a plausible internet host name."""
    labels = domain.lower().split(".")
    if len(labels) < 2 or len(domain) > 253:
        return None
    for i, label in enumerate(labels):
        if label.startswith("xn--"):
            try:
                label = labels[i] = label.encode("ascii").decode("idna")
            except UnicodeError:
                return None
        if len(label) > 63 or not _LABEL.fullmatch(label):
            return None
    return None if labels[-1].isdigit() else ".".join(labels)


def display_name(phrase: str) -> str:
    unquoted = _QUOTED.sub(lambda m: re.sub(r"\\(.)", r"\1", m[1]), phrase)
    return decode_header(unquoted)


def shown(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")
