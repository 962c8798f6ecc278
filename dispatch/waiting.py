"""Waiting for the customer: silence for `dispatch.autoclose_after` closes the ticket by itself.

A sweep over the indexed `tickets.waiting_since`. The ticket closes without a time
entry (nobody is asked: nobody pressed Close), the customer gets a polite e-mail in
the ticket's thread saying that a reply opens it again, and the caller's hook tells
the assignee. Each ticket is closed once, in the transaction that queues the mail.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.catalog.words import Catalog
from deskbot.dispatch import rules
from deskbot.dispatch.acknowledge import may_write
from deskbot.dispatch.config import Config
from deskbot.dispatch.customer_mail import queue_to_customer
from deskbot.dispatch.rules import Status
from deskbot.dispatch.tickets import Done, _event
from deskbot.storage.models import Customer, Staff, Ticket
from deskbot.telemetry.context import about

log = logging.getLogger("deskbot.waiting")

AUTOCLOSE = "autoclose"  # the outbox purpose and messages.auto
MAX_PER_SWEEP = 200

OnClosed = Callable[[AsyncSession, Done, datetime], Awaitable[None]]


async def autoclose_due(session: AsyncSession, config: Config, texts: Catalog, now: datetime,
                        on_closed: OnClosed | None = None) -> int:
    """Close the tickets that waited long enough, in the caller's transaction; how many were closed."""
    after = config.dispatch.autoclose_after
    if after is None:
        return 0
    due = list(await session.scalars(
        select(Ticket).where(Ticket.status == Status.WAITING, Ticket.waiting_since <= now - after)
        .order_by(Ticket.id).limit(MAX_PER_SWEEP)
        .with_for_update(skip_locked=True, key_share=True)))  # PostgreSQL: never twice
    waited = texts.duration(int(after.total_seconds() // 60))
    for ticket in due:
        with about(ticket=ticket.id):
            await _autoclose(session, config, texts, ticket, waited, now, on_closed)
    return len(due)


async def _autoclose(session: AsyncSession, config: Config, texts: Catalog, ticket: Ticket, waited: str,
                     now: datetime, on_closed: OnClosed | None) -> None:
    log.info("ticket #%d closed by itself: the customer did not reply in time", ticket.id)
    ticket.status = rules.transition(Status(ticket.status), rules.Action.AUTOCLOSE)
    ticket.closed_at = ticket.updated_at = now
    ticket.waiting_since = ticket.next_nag_at = None
    _event(session, ticket, None, "closed", f"automatically: no reply in {waited}", now)
    customer = await session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    if config.smtp.host and customer is not None and may_write(customer.email, config.own_addresses):
        team = parseaddr(config.smtp.from_address or config.mailbox.username)[0] or texts.plain("mail-team")
        await queue_to_customer(session, config, ticket, customer, purpose=AUTOCLOSE, now=now,
                                automatic=AUTOCLOSE, writer=team, signature=team,
                                body=texts.plain("mail-autoclosed", number=ticket.id, waited=waited))
    if on_closed is not None:
        assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
        await on_closed(session, Done(ticket, None, assignee), now)

