"""`deskbot rules test FILE.eml`: which rules a mail would fire and why, as the intake would see it,
writing nothing. The database is read, when there is one, for what the intake would find there (the
ticket a reply belongs to, the sender's organization and its contract)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.config import Config
from deskbot.dispatch.intake import Outcome, after_close, decide, find_ticket, organization_domain
from deskbot.dispatch.routing import Facts, Fired
from deskbot.dispatch.rule_actions import Routing, with_contract
from deskbot.dispatch.rules import Status
from deskbot.dispatch.threads import known_ids, tagged_parties
from deskbot.mailbox.inbound import InboundMail
from deskbot.storage.models import Customer, Organization, Ticket


@dataclass(frozen=True)
class Trial:
    outcome: Outcome
    ticket: int | None  # the ticket a reply would join
    facts: Facts | None  # None: the mail would open no ticket, no rule runs
    fired: list[Fired]


async def try_mail(session: AsyncSession | None, config: Config, mail: InboundMail, now: datetime,
                   request_type: str | None = None) -> Trial:
    """What the rules would do with `mail`; `session` None: as a new ticket of a desk with no tickets yet."""
    number, closed_at = None, None
    if session is not None:
        number = find_ticket(mail, await known_ids(session, [mail]), await tagged_parties(session, [mail])).ticket_id
        if number is not None:
            ticket = await session.get(Ticket, number)
            closed_at = (ticket.closed_at or now) if ticket is not None and ticket.status == Status.CLOSED else None
    decision = after_close(decide(mail, number, config.own_addresses), closed_at, now, config.dispatch.reopen_within)
    if decision.outcome not in (Outcome.TICKET, Outcome.REPLY):
        return Trial(decision.outcome, None, None, [])
    email = mail.sender.email
    domain, contract = await _organization(session, email, set(config.mailbox.free_mail_domains))
    routing = Routing.of(config)
    trigger = "new" if decision.outcome is Outcome.TICKET else "reply"
    facts = Facts(trigger=trigger, sender=email, organization=domain, contract=contract, subject=mail.subject,
                  text=mail.text, request_type=request_type, attachments=any(not a.inline for a in mail.attachments),
                  in_hours=routing.in_hours(now))
    return Trial(decision.outcome, decision.ticket_id, facts, routing.book.evaluate(facts))


async def _organization(session: AsyncSession | None, email: str, free: set[str]) -> tuple[str | None, bool]:
    """(the organization's domain, whether it has a contract), as the intake would file the sender."""
    if session is not None:
        row = (await session.execute(select(Organization.id, Organization.domain).join(
            Customer, Customer.organization_id == Organization.id).where(Customer.email == email))).first()
        if row is None:
            domain = organization_domain(email, free)
            row = (await session.execute(select(Organization.id, Organization.domain).where(
                Organization.domain == domain))).first() if domain else None
        if row is not None:
            return row.domain, bool(await with_contract(session, {row.id}))
    return organization_domain(email, free), False
