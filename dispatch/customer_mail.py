"""An e-mail to a ticket's customer, in the ticket's thread: stored on the ticket, queued in the outbox.

The Message-ID is chosen and stored before anything leaves, so that the customer's
reply threads back even if it arrives before the send is recorded.
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch import outbox
from deskbot.dispatch.config import Config
from deskbot.mailbox.outbound import (
    Outbound, OutboundAttachment, compose, fitted, new_message_id, reply_subject, thread_references,
)
from deskbot.storage.models import Customer, Message, Ticket


async def thread_of(session: AsyncSession, number: int) -> tuple[list[str], str | None]:
    """(every Message-ID of the ticket, oldest first; the customer's latest, which a reply answers)."""
    known = list(await session.scalars(
        select(Message.message_id).where(Message.ticket_id == number, Message.message_id.is_not(None))
        .order_by(Message.id)))
    parent = await session.scalar(
        select(Message.message_id).where(Message.ticket_id == number, Message.direction == "in",
                                         Message.message_id.is_not(None)).order_by(Message.id.desc()).limit(1))
    return known, parent


async def queue_to_customer(session: AsyncSession, config: Config, ticket: Ticket, customer: Customer, *,
                            body: str, signature: str, writer: str, purpose: str, now: datetime,
                            automatic: str | None = None, notify_chat: int | None = None,
                            attachments: Sequence[OutboundAttachment] = (),
                            subject: str | None = None) -> tuple[Message, Outbound]:
    """Store and queue `body` (signed with `signature`) to the customer; (the stored message, the mail).

    `automatic`: why deskbot wrote it by itself, with no mail to answer (kept in messages.auto; the
    mail says `Auto-Submitted: auto-generated`).
    """
    sender = config.smtp.from_address or config.mailbox.username
    our_address = parseaddr(sender)[1]
    known, parent = await thread_of(session, ticket.id)
    mail = Outbound(from_address=sender, to_address=customer.email, to_name=customer.name or "",
                    subject=_tagged(subject, ticket.id) if subject else reply_subject(ticket.subject or "", ticket.id),
                    text=f"{body}\n\n-- \n{signature}",
                    in_reply_to=parent, references=thread_references(known, parent),
                    automatic=automatic is not None, auto_submitted="auto-generated", attachments=tuple(map(fitted, attachments)))
    message_id = new_message_id(sender)
    stored = Message(ticket_id=ticket.id, direction="out", message_id=message_id, sender_email=our_address,
                     sender_name=writer, subject=mail.subject, body=body, auto=automatic, created_at=now,
                     forwarded_at=now)
    session.add(stored)
    await session.flush()
    # 20 MB of attachments take about a second to encode: off the event loop.
    data = await asyncio.to_thread(lambda: compose(mail, message_id=message_id, date=now).as_bytes())
    outbox.send_mail(session, mail_from=our_address, rcpt_to=[customer.email], purpose=purpose, ticket_id=ticket.id,
                     message=stored.id, notify_chat=notify_chat, now=now, data=data)
    return stored, mail


def _tagged(subject: str, number: int) -> str:
    """A subject of our own choosing (a rule's template) still carries the tag that threads the answer back."""
    subject, tag = " ".join(subject.split()), f"[#{number}]"
    return subject if tag in subject else f"{subject} {tag}"
