"""A quarantined mail made a ticket: the stored raw bytes parsed again and opened as ingest opens mail.

A separate entry point on purpose: ingest's batch writer decides between new tickets,
replies and quarantine for a whole batch; here a person has decided already. The
ticket is new and unannounced, so the announce sweep shows its card as usual. A
customer is recorded when the mail has a usable address (not one of ours); otherwise
the ticket has none, its card says there is no reply address, and an answer from
Telegram is refused (dispatch.answers).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.batch import _attachment_row, _message_row, clean_text
from deskbot.dispatch.config import Config
from deskbot.dispatch.intake import organization_domain
from deskbot.dispatch.rules import Status
from deskbot.mailbox.inbound import Address, ParseOptions
from deskbot.mailbox.parse import parse_mail
from deskbot.storage.models import Attachment, Customer, Message, Organization, RawMail, Staff, Ticket, TicketEvent


async def open_ticket(session: AsyncSession, raw: RawMail, config: Config, now: datetime, *,
                      actor: Staff | None, detail: str) -> int:
    """A new ticket holding the mail as its first message; its number."""
    box = config.mailbox
    options = ParseOptions(attachments_dir=str(Path(box.attachments_dir).resolve()),
                           max_attachment_size=box.max_attachment_size)
    mail = parse_mail(raw.content, options)
    usable = mail.sender if mail.sender is not None and mail.sender.email not in config.own_addresses else None
    customer_id, organization_id = (None, None)
    if usable is not None:
        customer_id, organization_id = await _customer(session, usable, set(box.free_mail_domains), now)
    # Automatic mail a person chose to make a ticket still gets no acknowledgement: never answer a robot.
    ticket = Ticket(subject=clean_text(mail.subject) or "", status=Status.NEW, customer_id=customer_id,
                    organization_id=organization_id, created_at=now, updated_at=now, no_charge=False,
                    acknowledged_at=now if mail.auto else None)
    session.add(ticket)
    await session.flush()
    message_id = await session.scalar(
        insert(Message.__table__).returning(Message.__table__.c.id), [_message_row(mail, raw.id, ticket.id, now)])
    if mail.attachments:
        await session.execute(insert(Attachment.__table__),
                              [{**_attachment_row(a), "message_id": message_id} for a in mail.attachments])
    session.add(TicketEvent(ticket_id=ticket.id, staff_id=actor.id if actor else None, kind="created",
                            detail=detail + (f", mail from {usable.email}" if usable else ", no reply address"),
                            at=now))
    return ticket.id


async def _customer(session: AsyncSession, sender: Address, free_mail_domains: set[str],
                    now: datetime) -> tuple[int, int | None]:
    """(customer id, organization id) of the sender, created when new, as ingest does."""
    found = await session.scalar(select(Customer).where(Customer.email == sender.email))
    if found is not None:
        if not found.name and sender.name:
            found.name = clean_text(sender.name, 255)
        return found.id, found.organization_id
    organization_id = None
    domain = organization_domain(sender.email, free_mail_domains)
    if domain:
        organization_id = await session.scalar(select(Organization.id).where(Organization.domain == domain))
        if organization_id is None:
            organization = Organization(domain=domain, name=domain, created_at=now)
            session.add(organization)
            await session.flush()
            organization_id = organization.id
    customer = Customer(email=sender.email, name=clean_text(sender.name, 255) or "",
                        organization_id=organization_id, created_at=now)
    session.add(customer)
    await session.flush()
    return customer.id, organization_id
