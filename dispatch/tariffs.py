"""A client asks, from the web cabinet, to change their tariff: the request is kept (open, then
answered) and its contract's manager is told in Telegram at once, through the outbox.

The notice's words are Telegram's (bot/render/tariffs.py); the web face cannot reach bot/,
so the wiring (app/web.py) hands this use case the function that words it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch import contracts, hours, outbox, reports
from deskbot.dispatch.config import Config
from deskbot.storage.models import Contract, Organization, TariffRequest

OPEN, ANSWERED = "open", "answered"
CHANGES = ("more_hours", "fewer_hours", "other_tariff", "other")
COMMENT_CHARS = 2000
PURPOSE = "tariff"  # the outbox purpose of the manager's notice


@dataclass(frozen=True)
class Notice:
    """What the manager is told: who asks for what, with the client's figures."""

    request_id: int
    organization: str
    domain: str
    asked_by: str
    change: str
    comment: str
    contract_number: str
    currency: str
    terms: hours.Terms
    month: hours.Totals  # this month so far


Wording = Callable[[Notice], tuple[str, Any]]  # the message's text and its buttons


async def ask(session: AsyncSession, config: Config, contract: Contract, customer_id: int, asked_by: str,
              change: str, comment: str, now: datetime, wording: Wording | None) -> TariffRequest:
    """Keep the request and queue the notice to the contract's managers, in the caller's transaction
    (`wording` None: no Telegram in this process; the request is kept all the same)."""
    if change not in CHANGES:
        raise ValueError(f"unknown change {change!r}")
    request = TariffRequest(organization_id=contract.organization_id, customer_id=customer_id, change=change,
                            comment=comment.strip()[:COMMENT_CHARS], status=OPEN, created_at=now)
    session.add(request)
    await session.flush()
    if wording is None:
        return request
    organization = await session.get(Organization, contract.organization_id)
    text, buttons = wording(Notice(request.id, organization.name, organization.domain, asked_by, change, request.comment,
                          contract.number, contract.currency, contracts.terms(contract),
                          await reports.month_so_far(session, config, contract, now)))
    for manager in await reports.managers_of(session, contract):
        outbox.send_message(session, chat_id=manager.telegram_id, text=text, purpose=PURPOSE, now=now,
                            reply_markup=buttons)
    return request


async def answered(session: AsyncSession, request_id: int, now: datetime) -> bool:
    """Mark a request answered (the manager replied to the client); False when it was not open."""
    done = await session.execute(update(TariffRequest).where(TariffRequest.id == request_id,
                                                             TariffRequest.status == OPEN)
                                 .values(status=ANSWERED, answered_at=now))
    return done.rowcount == 1


async def of_organization(session: AsyncSession, organization_id: int) -> list[TariffRequest]:
    return list(await session.scalars(select(TariffRequest).where(TariffRequest.organization_id == organization_id)
                                      .order_by(TariffRequest.id.desc())))
