"""Answering the customer from Telegram: the text becomes an e-mail in the ticket's thread.

The answer is stored on the ticket (direction "out", with the Message-ID it will carry,
so the customer's reply threads back) and queued in the outbox in the caller's
transaction; the e-mail sender delivers it and tells the person who wrote it. Only the
assignee or a dispatcher answers, and only an open ticket. Files sent with an answer are
stored like the customer's (content-addressed under the attachments folder) and attached.
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch import rules
from deskbot.dispatch.config import Config
from deskbot.dispatch.customer_mail import queue_to_customer
from deskbot.dispatch.rules import Status
from deskbot.dispatch.tickets import Refused, _event, _ticket
from deskbot.mailbox.attachments import save_attachment
from deskbot.mailbox.inbound import ParseOptions
from deskbot.mailbox.outbound import OutboundAttachment
from deskbot.storage.models import Attachment, Customer, Message, Staff, Ticket

ANSWER = "answer"  # the outbox purpose
MAX_ANSWER_CHARS = 20_000  # Telegram's own limit is 4,096 a message: this is a guard, not a rule
# All files of one answer. A bot downloads at most 20 MB from Telegram, and the outbox row
# holds the whole e-mail, base64 and all (a third bigger), as JSON text.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


async def answerable(session: AsyncSession, number: int, actor: Staff) -> tuple[Ticket, Customer | None]:
    """The ticket and its customer, when `actor` may answer it now; Refused otherwise."""
    ticket = await _ticket(session, number)
    if not rules.may_close(actor.role_set, actor.id, ticket.assignee_id):
        raise Refused("alert-assignee-only")
    if ticket.status == Status.CLOSED:
        raise Refused("alert-already-closed", number=number)
    customer = await session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    return ticket, customer


async def answer(session: AsyncSession, number: int, actor: Staff, text: str, config: Config, now: datetime,
                 *, team: str, attachments: Sequence[OutboundAttachment] = ()) -> Message:
    """Store and queue the answer; the stored message. `team` signs under the person's name."""
    ticket, customer = await answerable(session, number, actor)
    body = text.strip()[:MAX_ANSWER_CHARS]
    if not body:
        raise Refused("answer-empty")
    if sum(len(item.data) for item in attachments) > MAX_ATTACHMENT_BYTES:
        raise Refused("answer-file-too-big", number=number, megabytes=MAX_ATTACHMENT_BYTES // (1024 * 1024))
    if customer is None or not customer.email:
        raise Refused("answer-no-address", number=number)
    stored, mail = await queue_to_customer(session, config, ticket, customer, body=body, writer=actor.name,
                                           signature=f"{actor.name}\n{team}", purpose=ANSWER, now=now,
                                           notify_chat=actor.telegram_id, attachments=attachments)
    await _store_files(session, stored, mail.attachments, config)
    ticket.updated_at = now
    _event(session, ticket, actor, "answered", f"to {customer.email}", now)
    return stored


async def _store_files(session: AsyncSession, stored: Message, attachments: Sequence[OutboundAttachment],
                       config: Config) -> None:
    """One Attachment row per file, the bytes where the customer's files are kept.

    A file that cannot be written still leaves with the e-mail; its row says why it was not
    kept. A rolled-back answer leaves its file behind: content-addressed, so harmless.
    """
    options = ParseOptions(attachments_dir=str(Path(config.mailbox.attachments_dir).resolve()),
                           max_attachment_size=MAX_ATTACHMENT_BYTES)
    for item in attachments:
        # Hashing and writing 20 MB: off the event loop, which serves every chat.
        saved = await asyncio.to_thread(save_attachment, item.data, item.filename, item.content_type, options)
        session.add(Attachment(message_id=stored.id, filename=saved.filename, content_type=saved.content_type,
                               size=saved.size, sha256=saved.sha256, stored_path=saved.stored_path,
                               skipped_reason=saved.skipped_reason))
