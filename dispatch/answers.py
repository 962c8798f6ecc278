"""Answering the customer from Telegram: the text becomes an e-mail in the ticket's thread.

The answer is stored on the ticket (direction "out", with the Message-ID it will carry,
so the customer's reply threads back) and queued in the outbox in the caller's
transaction; the e-mail sender delivers it and tells the person who wrote it. Only the
assignee or a dispatcher answers, and only an open ticket.
"""
from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch import outbox, rules
from deskbot.dispatch.config import Config
from deskbot.dispatch.rules import Status
from deskbot.dispatch.tickets import Refused, _event, _ticket
from deskbot.mailbox.outbound import Outbound, compose, new_message_id, reply_subject, thread_references
from deskbot.storage.models import Customer, Message, Staff, Ticket

ANSWER = "answer"  # the outbox purpose
MAX_ANSWER_CHARS = 20_000  # Telegram's own limit is 4,096 a message: this is a guard, not a rule


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
                 *, team: str) -> Message:
    """Store and queue the answer; the stored message. `team` signs under the person's name."""
    ticket, customer = await answerable(session, number, actor)
    body = text.strip()[:MAX_ANSWER_CHARS]
    if not body:
        raise Refused("answer-empty")
    if customer is None or not customer.email:
        raise Refused("answer-no-address", number=number)
    known = list(await session.scalars(
        select(Message.message_id).where(Message.ticket_id == number, Message.message_id.is_not(None))
        .order_by(Message.id)))
    parent = await session.scalar(
        select(Message.message_id).where(Message.ticket_id == number, Message.direction == "in",
                                         Message.message_id.is_not(None)).order_by(Message.id.desc()).limit(1))
    sender = config.smtp.from_address or config.mailbox.username
    our_address = parseaddr(sender)[1]
    signed = f"{body}\n\n-- \n{actor.name}\n{team}"
    mail = Outbound(from_address=sender, to_address=customer.email, to_name=customer.name or "",
                    subject=reply_subject(ticket.subject or "", number), text=signed, in_reply_to=parent,
                    references=thread_references(known, parent))
    message_id = new_message_id(sender)
    stored = Message(ticket_id=number, direction="out", message_id=message_id, sender_email=our_address,
                     sender_name=actor.name, subject=mail.subject, body=body, created_at=now, forwarded_at=now)
    session.add(stored)
    await session.flush()
    outbox.send_mail(session, mail_from=our_address, rcpt_to=[customer.email], purpose=ANSWER, ticket_id=number,
                     message=stored.id, notify_chat=actor.telegram_id, now=now,
                     data=compose(mail, message_id=message_id, date=now).as_bytes())
    ticket.updated_at = now
    _event(session, ticket, actor, "answered", f"to {customer.email}", now)
    return stored
