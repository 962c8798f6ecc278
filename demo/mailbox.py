"""The demo's mail server on 127.0.0.1 (aiosmtpd, on the demo's event loop) and the customer's mailbox.

deskbot's SMTP sender delivers here as it would to a real server; every message is kept. The
page shows the customer's mailbox: what reached the customer ("in") and what the customer sent
("out", handed to the intake by letters.py).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import getaddresses, parsedate_to_datetime

from aiosmtpd.smtp import SMTP


@dataclass(frozen=True)
class Mail:
    id: int
    direction: str  # "in": to the customer; "out": from the customer
    raw: bytes

    @cached_property  # parsed once: the page's snapshot reads every mail after every change
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=default)

    @cached_property
    def parties(self) -> set[str]:
        message = self.message
        fields = [str(message.get(name, "")) for name in ("From", "To", "Cc")]
        return {address.lower() for _, address in getaddresses(fields)}

    @cached_property
    def summary(self) -> dict:
        message = self.message
        body = message.get_body(("plain",))
        try:
            text = body.get_content() if body is not None else ""
        except (LookupError, ValueError):  # an unknown charset: the page shows what it can
            text = body.get_payload(decode=True).decode("utf-8", "replace") if body is not None else ""
        try:
            date = parsedate_to_datetime(message["Date"]).isoformat() if message["Date"] else None
        except (TypeError, ValueError):
            date = None
        files = [part.get_filename() for part in message.iter_attachments() if part.get_filename()]
        return {"id": self.id, "direction": self.direction, "from": str(message.get("From", "")),
                "to": str(message.get("To", "")), "subject": str(message.get("Subject", "")), "date": date,
                "text": text, "message_id": message.get("Message-ID"), "in_reply_to": message.get("In-Reply-To"),
                "attachments": files}


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mailbox.keep("in", envelope.original_content)
        return "250 OK"


class Mailbox:
    """Every mail of the demo; `on_change` is called after each one."""

    def __init__(self, customer: str, on_change: Callable[[], None] = lambda: None) -> None:
        self.customer = customer.lower()
        self.on_change = on_change
        self.mails: list[Mail] = []
        self.host, self.port = "127.0.0.1", 0
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> Mailbox:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(_Handler(self), hostname="deskbot-demo.example"),
                                                self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def keep(self, direction: str, raw: bytes) -> Mail:
        mail = Mail(len(self.mails) + 1, direction, raw)
        self.mails.append(mail)
        self.on_change()
        return mail

    def of_customer(self) -> list[Mail]:
        return [m for m in self.mails if self.customer in m.parties]

    def find(self, message_id: str) -> Mail | None:
        return next((m for m in self.mails if m.message.get("Message-ID") == message_id), None)
