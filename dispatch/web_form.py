"""The web request form's rules: what a request must carry, the mail it becomes, routing, and the rate limit.

A request from the form is written as an RFC 822 message and handed to the same intake as piped
mail (dispatch/pipe_intake.py), so rules, dedupe, threading, quarantine and the raw bytes kept all
apply as to any mail. Its headers say it came from the form and of which type.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.assignment import place
from deskbot.dispatch.config import Config, RequestType
from deskbot.dispatch.intake import TAG
from deskbot.dispatch.rules import Status
from deskbot.storage.models import Customer, Department, Ticket, TicketEvent, WebFormRequest

FORM_HEADER = "X-Deskbot-Form"  # "web": the mail was written on the request form
TYPE_HEADER = "X-Deskbot-Request-Type"  # the request type's key
MAX_NAME, MAX_SUBJECT, MAX_FILES = 200, 200, 10
SUBJECT_FROM_TEXT = 80  # no subject given: the start of the text
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_LINE_BREAKS = re.compile(r"[\r\n\t\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class FormRequest:
    """What the person typed, as typed (trimmed)."""

    name: str
    email: str
    type_key: str
    subject: str
    text: str
    uploads: list[Upload] = field(default_factory=list)


def one_line(text: str, limit: int) -> str:
    """Header-safe: no line breaks or control characters (a header injection is just text)."""
    return _LINE_BREAKS.sub(" ", text).strip()[:limit]


def request_type(config: Config, key: str) -> RequestType | None:
    return next((kind for kind in config.web.request_types if kind.key == key), None)


def problems(request: FormRequest, config: Config) -> list[str]:
    """Catalog keys of what is missing or too big; empty when the request may be sent."""
    found: list[str] = []
    kind = request_type(config, request.type_key)
    if config.web.request_types and kind is None:
        found.append("web-form-need-type")
    if not _ADDRESS.fullmatch(request.email):
        found.append("web-form-need-email")
    required = set(kind.required) if kind else set()
    if "name" in required and not request.name:
        found.append("web-form-need-name")
    if "subject" in required and not request.subject:
        found.append("web-form-need-subject")
    if not request.text.strip():
        found.append("web-form-need-text")
    if len(request.text) > config.web.form_max_text:
        found.append("web-form-text-too-long")
    if "attachment" in required and not request.uploads:
        found.append("web-form-need-attachment")
    if len(request.uploads) > MAX_FILES or sum(len(u.content) for u in request.uploads) > config.web.form_max_upload:
        found.append("web-form-files-too-big")
    return found


def as_mail(request: FormRequest, config: Config, now: datetime, verified: bool = False) -> bytes:
    """The request as a mail from the person to the desk's support address.

    Anyone may type any address on the public form, so unless the address is `verified` (a logged-in
    customer) a `[#N]` in the subject is defused: the request opens a ticket of its own and never
    lands in somebody else's conversation."""
    mail = EmailMessage()
    mail["From"] = Address(display_name=one_line(request.name, MAX_NAME), addr_spec=request.email)
    mail["To"] = config.mailbox.username or next(iter(sorted(config.own_addresses)), "support@localhost")
    subject = subject_of(request)
    mail["Subject"] = subject if verified else TAG.sub(r"(#\1)", subject)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain="web-form.deskbot")
    mail[FORM_HEADER] = "web"
    if request.type_key:
        mail[TYPE_HEADER] = request.type_key
    mail.set_content(request.text.replace("\r\n", "\n"))
    for upload in request.uploads:
        main, _, sub = upload.content_type.partition("/")
        if not (main and sub) or not re.fullmatch(r"[\w.+-]+", main + sub):
            main, sub = "application", "octet-stream"
        mail.add_attachment(upload.content, maintype=main, subtype=sub,
                            filename=one_line(upload.filename, 255) or "attachment")
    return mail.as_bytes()


def subject_of(request: FormRequest) -> str:
    subject = one_line(request.subject, MAX_SUBJECT)
    return subject or one_line(request.text, SUBJECT_FROM_TEXT)


async def route(session: AsyncSession, number: int, department_key: str, now: datetime,
                config: Config | None = None) -> bool:
    """A new ticket of a routed request type starts in its department; a ticket someone already took
    keeps what they chose. With the `config`, a department that assigns automatically assigns it
    (dispatch/assignment.py); in a manual one the dispatcher picks the person."""
    department = await session.scalar(select(Department.id).where(Department.key == department_key,
                                                                   Department.active.is_(True)))
    if department is None:
        return False
    changed = await session.execute(update(Ticket).where(
        Ticket.id == number, Ticket.status == Status.NEW, Ticket.department_id.is_(None)).values(department_id=department))
    if changed.rowcount != 1:
        return False
    session.add(TicketEvent(ticket_id=number, staff_id=None, kind="routed",
                            detail=f"to {department_key} by the web form's request type", at=now))
    if config is not None:
        await place(session, config, number, department, now)
    return True


FORM_WINDOW = timedelta(hours=1)  # the rate limit counts requests this far back


async def allow(session: AsyncSession, client: str, limit: int, now: datetime) -> bool:
    """At most `limit` requests per client address in FORM_WINDOW, counted in the database so that every
    instance of a desk counts the same; counts this request when it is allowed. Two instances answering the
    same address at the same instant may let one more through: the limit is against a flood."""
    sent = await session.scalar(select(func.count()).select_from(WebFormRequest).where(
        WebFormRequest.client == client, WebFormRequest.at > now - FORM_WINDOW))
    if sent >= limit:
        return False
    session.add(WebFormRequest(client=client[:64], at=now))
    return True


async def forget(session: AsyncSession, now: datetime) -> int:
    """Drops the requests the rate limit no longer counts (the web leftovers' sweep)."""
    return (await session.execute(delete(WebFormRequest).where(WebFormRequest.at <= now - FORM_WINDOW))).rowcount


async def customer_address(session: AsyncSession, customer_id: int) -> tuple[str, str] | None:
    """(name, e-mail) of a logged-in customer, who writes on the form as themselves."""
    row = (await session.execute(select(Customer.name, Customer.email).where(Customer.id == customer_id))).first()
    return (row.name or "", row.email) if row else None
