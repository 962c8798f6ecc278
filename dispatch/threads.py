"""What the database knows to thread a batch of received mail: the rules are in `intake.find_ticket`.

One statement each per batch (IN lists), like the rest of `batch`.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.intake import KnownIds, TicketParties, subject_tags
from deskbot.mailbox.inbound import InboundMail
from deskbot.storage.models import Customer, Message, Organization, Ticket


async def known_ids(session: AsyncSession, mails: list[InboundMail]) -> KnownIds:
    """The tickets of the Message-IDs these mails refer to: ours (sent) apart from received ones."""
    wanted = {mid for mail in mails for mid in mail.thread_ids}
    known = KnownIds()
    if not wanted:
        return known
    rows = await session.execute(
        select(Message.message_id, Message.ticket_id, Message.direction)
        .where(Message.message_id.in_(wanted)).order_by(Message.id)
    )
    for mid, ticket, direction in rows:
        if direction == "out":
            known.ours.setdefault(mid, ticket)
        elif direction == "in":
            known.add_received(mid, ticket)
    return known


async def tagged_parties(session: AsyncSession, mails: list[InboundMail]) -> dict[int, TicketParties]:
    """Who may thread into each ticket these mails name by a `[#N]` subject tag."""
    numbers = {n for mail in mails for n in subject_tags(mail.subject)}
    if not numbers:
        return {}
    rows = await session.execute(
        select(Ticket.id, Customer.email, Organization.domain)
        .outerjoin(Customer, Ticket.customer_id == Customer.id)
        .outerjoin(Organization, Ticket.organization_id == Organization.id)
        .where(Ticket.id.in_(numbers))
    )
    senders = await session.execute(
        select(Message.ticket_id, Message.sender_email).where(Message.ticket_id.in_(numbers)).distinct()
    )
    addresses: dict[int, set[str]] = {}
    for ticket_id, email in senders:
        addresses.setdefault(ticket_id, set()).add(email)
    return {
        tid: TicketParties(tid, email, domain, frozenset(addresses.get(tid, ())))
        for tid, email, domain in rows
    }
