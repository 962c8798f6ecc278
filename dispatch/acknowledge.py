"""Acknowledgements: the customer of each new ticket gets one e-mail with its number.

A sweep, like the announcer: it reads the tickets not yet acknowledged (an indexed
column), queues each acknowledgement in the outbox and marks the ticket in one
transaction, so each is sent once, across restarts. The mail is an automatic reply
(RFC 3834: `Auto-Submitted: auto-replied`), in the thread of the customer's mail,
with `[#N]` in the subject so that the answer threads back. Automatic mail never
opens a ticket (dispatch.intake), so it is never acknowledged; nor is an address
that by its name takes no replies, nor our own.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import parseaddr

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.catalog.words import Catalog
from deskbot.dispatch import outbox
from deskbot.dispatch.config import Config
from deskbot.mailbox.outbound import Outbound, compose, new_message_id, reply_subject
from deskbot.storage.models import Customer, Message, Ticket

# A ticket older than this when the sweep first sees it (SMTP configured later, a long
# outage) is not acknowledged any more: a "we got your mail" days late confuses more than it helps.
ACK_WITHIN = timedelta(hours=12)
MAX_PER_SWEEP = 500
# RFC 3834 section 2: no automatic reply to addresses like these.
_TAKES_NO_REPLY = re.compile(
    r"^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?|owner-.*)([+.].*)?$|-(request|bounces|owner)$",
    re.IGNORECASE,
)


def takes_replies(address: str) -> bool:
    local = address.rpartition("@")[0]
    return bool(local) and not _TAKES_NO_REPLY.search(local)


def may_write(address: str | None, own: set[str]) -> bool:
    """Whether deskbot may write to `address` by itself: not to nobody, not to us, not to a robot's box."""
    return bool(address) and address.lower() not in own and takes_replies(address)


async def acknowledge_due(session: AsyncSession, config: Config, texts: Catalog, now: datetime) -> int:
    """Queue the acknowledgements of new tickets, in the caller's transaction; how many were queued."""
    rows = (await session.execute(
        select(Ticket.id, Ticket.subject, Ticket.created_at, Customer.email, Customer.name)
        .outerjoin(Customer, Ticket.customer_id == Customer.id)
        .where(Ticket.acknowledged_at.is_(None)).order_by(Ticket.id).limit(MAX_PER_SWEEP)
        .with_for_update(skip_locked=True, key_share=True, of=Ticket)  # PostgreSQL: never twice
    )).all()
    if not rows:
        return 0
    first_ids = await _first_message_ids(session, [number for number, *_ in rows])
    sender = config.smtp.from_address or config.mailbox.username
    team, our_address = parseaddr(sender)
    own = config.own_addresses
    queued = 0
    for number, subject, created, email, name in rows:
        if now - created > ACK_WITHIN or not may_write(email, own):
            continue
        parent = first_ids.get(number)
        text = "\n\n".join([texts.plain("mail-ack", number=number, subject=(subject or "").strip() or "—"),
                            f"-- \n{team or texts.plain('mail-team')}"])
        mail = Outbound(from_address=sender, to_address=email, to_name=name or "",
                        subject=reply_subject(subject or "", number), text=text, in_reply_to=parent,
                        references=[parent] if parent else [], automatic=True)
        message_id = new_message_id(sender)
        stored = Message(ticket_id=number, direction="out", message_id=message_id, sender_email=our_address,
                         sender_name=team, subject=mail.subject, body=text, auto="acknowledgement", created_at=now,
                         forwarded_at=now)
        session.add(stored)
        await session.flush()
        outbox.send_mail(session, mail_from=our_address, rcpt_to=[email], purpose=outbox.ACK, ticket_id=number,
                         message=stored.id, now=now, data=compose(mail, message_id=message_id, date=now).as_bytes())
        queued += 1
    await session.execute(update(Ticket).where(Ticket.id.in_([number for number, *_ in rows]))
                          .values(acknowledged_at=now))
    return queued


async def _first_message_ids(session: AsyncSession, numbers: list[int]) -> dict[int, str]:
    first = (select(Message.ticket_id, func.min(Message.id).label("id"))
             .where(Message.ticket_id.in_(numbers), Message.direction == "in")
             .group_by(Message.ticket_id).subquery())
    rows = await session.execute(select(Message.ticket_id, Message.message_id).join(first, first.c.id == Message.id))
    return {number: message_id for number, message_id in rows if message_id}
