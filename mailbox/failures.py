"""What went wrong with a mail server, in a few kinds that people can be told about.

A failure of the IMAP or the SMTP server is sorted into a `Kind`; people read the
catalog's words for the kind (`mail-problem-<kind>`), never the exception or the
server's raw reply, which stays in `detail` for the log. `permanent` says whether
asking again can help: a refused login is not permanent (a password is fixed, an
account unblocked), a refused recipient is.
"""
from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import aiosmtplib
from imapclient.exceptions import IMAPClientAbortError, LoginError

DETAIL_CHARS = 500
_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


class Kind(StrEnum):
    CONNECTION = "connection"  # refused, unreachable, unknown host, dropped
    TIMEOUT = "timeout"
    TLS = "tls"  # the certificate or the handshake
    AUTHENTICATION = "authentication"  # user name or password refused, account blocked
    BUSY = "busy"  # "try again later" (4xx)
    RECIPIENT = "recipient"  # an address refused
    SENDER = "sender"  # our From address refused
    MESSAGE = "message"  # the message refused (policy, spam, content)
    TOO_BIG = "too-big"
    FOLDER = "folder"  # the IMAP folder does not exist
    OTHER = "other"


# What needs a person to act (a password, a folder): told at once, not after an outage has lasted.
NEEDS_A_PERSON = frozenset({Kind.AUTHENTICATION, Kind.FOLDER})


@dataclass(frozen=True, slots=True)
class Failure:
    kind: Kind
    detail: str  # the technical account, for the log only (never a secret: servers do not echo passwords)
    permanent: bool = False
    address: str = ""  # the refused recipient, for Kind.RECIPIENT

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


class Watcher(Protocol):
    """Told how each attempt to use a mail server went (the wiring announces incidents with it)."""

    async def failing(self, failure: Failure) -> None: ...
    async def working(self) -> None: ...


def classify_smtp(error: BaseException) -> Failure:
    """An aiosmtplib error (or an OSError) as a Failure; 5xx is permanent, except a refused login."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        first = error.recipients[0]  # every recipient was refused (one taking it means the mail left)
        failure, permanent = _by_code(first), all(r.code >= 500 for r in error.recipients)
        if failure.kind is Kind.AUTHENTICATION:  # "530 5.7.0 Authentication required" at RCPT: relaying
            return failure
        return Failure(failure.kind if permanent else Kind.BUSY, failure.detail, permanent, first.recipient)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return Failure(Kind.AUTHENTICATION, _detail(error))
    if isinstance(error, aiosmtplib.SMTPConnectResponseError):  # the greeting: it will not talk to us now
        return Failure(Kind.BUSY if error.code < 500 else Kind.CONNECTION, _detail(error))
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _by_code(error)
    if isinstance(error, aiosmtplib.SMTPException) and "auth" in str(error).lower():
        # "No suitable authentication method found": the server offers no login we can use.
        return Failure(Kind.AUTHENTICATION, _detail(error))
    return _transport(error)


def classify_imap(error: BaseException) -> Failure:
    """An IMAP error: a refused LOGIN, a missing folder, or trouble with the connection."""
    text = str(error)
    if isinstance(error, LoginError):
        # Dovecot and others say [UNAVAILABLE] when their own auth backend is down: not our password.
        kind = Kind.BUSY if "[UNAVAILABLE]" in text.upper() else Kind.AUTHENTICATION
        return Failure(kind, _detail(error))
    if "select" in text.lower() and ("nonexistent" in text.lower() or "doesn't exist" in text.lower()):
        return Failure(Kind.FOLDER, _detail(error))
    if isinstance(error, IMAPClientAbortError):
        return Failure(Kind.CONNECTION, _detail(error))
    return _transport(error)


def _transport(error: BaseException) -> Failure:
    """Trouble below the protocol: TLS, a timeout, the connection; anything else is OTHER."""
    chain = _causes(error)
    if any(isinstance(e, ssl.SSLError) for e in chain):
        return Failure(Kind.TLS, _detail(error))
    if any(isinstance(e, (TimeoutError, socket.timeout)) for e in chain):
        return Failure(Kind.TIMEOUT, _detail(error))
    if any(isinstance(e, (OSError, EOFError)) for e in chain):
        return Failure(Kind.CONNECTION, _detail(error))
    return Failure(Kind.OTHER, _detail(error))


def _by_code(error: aiosmtplib.SMTPResponseException) -> Failure:
    """A server's answer by its code and its enhanced status code (RFC 3463), when it gives one."""
    code, permanent = error.code, error.code >= 500
    enhanced = _ENHANCED.match(error.message or "")
    status = (int(enhanced.group(2)), int(enhanced.group(3))) if enhanced else (0, 0)
    if code in (530, 534, 535, 538) or status in ((7, 8), (7, 9)):
        return Failure(Kind.AUTHENTICATION, _detail(error))  # retried: a password gets fixed
    if not permanent:
        kind = Kind.BUSY
    elif status in ((3, 4), (2, 3)) or (code == 552 and not enhanced):
        kind = Kind.TOO_BIG  # RFC 5321's 552 "exceeded storage allocation" is the size limit in practice
    elif status in ((1, 7), (1, 8)) or isinstance(error, aiosmtplib.SMTPSenderRefused):
        kind = Kind.SENDER
    elif status[0] in (1, 2) or isinstance(error, aiosmtplib.SMTPRecipientRefused):
        kind = Kind.RECIPIENT
    elif status[0] in (6, 7) or isinstance(error, aiosmtplib.SMTPDataError):
        kind = Kind.MESSAGE
    else:
        kind = Kind.OTHER
    return Failure(kind, _detail(error), permanent)


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _detail(error: BaseException) -> str:
    if isinstance(error, aiosmtplib.SMTPResponseException):
        text = f"{error.code} {error.message}"
    else:
        text = f"{type(error).__name__}: {error}"
    return " ".join(text.split())[:DETAIL_CHARS]
