"""Mail out: one message handed to the SMTP server, and what its answer means for a retry.

aiosmtplib does the protocol (TLS, STARTTLS, AUTH). What this module adds is the
verdict: a 4xx answer, a refused connection or a timeout passes (try again later);
a 5xx answer for the message or every recipient does not (asking again cannot help),
except a refused login: that is fixed by a person, and the mail waits for it
(`deskbot.mailbox.failures` sorts the answers into kinds).
"""
from __future__ import annotations

import ssl
from dataclasses import dataclass

import aiosmtplib

from deskbot.mailbox.failures import Failure, classify_smtp


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # ssl | starttls | none
    username: str = ""
    password: str = ""
    ca_file: str = ""
    timeout: float = 60.0

    def __repr__(self) -> str:  # never show the password, also not in a traceback
        return f"SmtpSettings({self.username or '-'}@{self.host}:{self.port}, {self.security})"


class SmtpFailure(Exception):
    """The message did not leave: `failure` says why (its kind for people, its detail for the log).
    `permanent`: the server refused it for good (5xx); a refused login is never permanent."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure
        self.permanent = failure.permanent


async def send(settings: SmtpSettings, *, mail_from: str, rcpt_to: list[str], data: bytes) -> None:
    """Hand the message to the server; raises SmtpFailure with the verdict."""
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    try:
        # Recipients refused while others took the message: it left; the server reports the rest.
        await aiosmtplib.send(
            data, sender=mail_from, recipients=rcpt_to, hostname=settings.host, port=settings.port,
            username=settings.username or None, password=settings.password or None,
            use_tls=settings.security == "ssl", start_tls=settings.security == "starttls",
            tls_context=context if settings.security != "none" else None, timeout=settings.timeout,
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as e:
        raise SmtpFailure(classify_smtp(e)) from None
