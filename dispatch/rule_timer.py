"""Routing rules on time: a ticket unassigned, unanswered or untouched for a rule's `after`.

- unassigned: still waiting for assignment `after` after it was opened;
- unanswered: open (or waiting for assignment) with no answer to the customer since it was opened;
- untouched: someone's work (assigned, in progress) that has not changed for `after`.

Each rule fires at most once per ticket: its firings are recorded (rule_firings) in the same transaction
as what it does. The candidate tickets are locked with SKIP LOCKED on PostgreSQL, so of several services
sweeping at once exactly one looks at a ticket; a ticket's conditions (business hours, say) are looked at
again at each sweep until they hold.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.routing import Facts, Fired
from deskbot.dispatch.rule_actions import Routing, carry_out, with_contract
from deskbot.dispatch.rules import Status
from deskbot.storage.models import Attachment, Customer, Message, Organization, RuleFiring, Ticket

PAGE = 500
TEXT_CHARS = 20_000  # of the first mail, for the rules' words: enough to judge, bounded to read


def _due(trigger: str, due: datetime) -> Select:
    query = select(Ticket.id)
    if trigger == "unassigned":
        return query.where(Ticket.status == Status.NEW, Ticket.created_at <= due)
    if trigger == "unanswered":
        answered = exists().where(Message.ticket_id == Ticket.id, Message.direction == "out", Message.auto.is_(None))
        return query.where(Ticket.status.in_([Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS]),
                           Ticket.created_at <= due, ~answered)
    return query.where(Ticket.status.in_([Status.ASSIGNED, Status.IN_PROGRESS]), Ticket.updated_at <= due)


async def fire_timed(session: AsyncSession, routing: Routing, now: datetime) -> int:
    """Fire the time-triggered rules that are due, in the caller's transaction; how many firings."""
    book, total = routing.book, 0
    in_hours: bool | None = None
    for trigger in ("unassigned", "unanswered", "untouched"):
        for wait in book.waits(trigger):
            names = {r.name for r in book.rules(trigger) if r.rule.after == wait}
            last = 0
            while True:
                page = list(await session.scalars(
                    _due(trigger, now - wait).where(Ticket.id > last).order_by(Ticket.id).limit(PAGE)
                    .with_for_update(skip_locked=True, key_share=True, of=Ticket)))
                if not page:
                    break
                last = page[-1]
                if in_hours is None:
                    in_hours = routing.in_hours(now)
                total += await _fire_page(session, routing, trigger, wait, names, page, in_hours, now)
                if len(page) < PAGE:
                    break
    return total


async def _fire_page(session: AsyncSession, routing: Routing, trigger: str, wait: timedelta, names: set[str],
                     numbers: list[int], in_hours: bool, now: datetime) -> int:
    done: dict[int, set[str]] = {}
    for number, rule in await session.execute(select(RuleFiring.ticket_id, RuleFiring.rule).where(
            RuleFiring.ticket_id.in_(numbers), RuleFiring.trigger == trigger)):
        done.setdefault(number, set()).add(rule)
    open_ = [n for n in numbers if not names <= done.get(n, set())]
    if not open_:
        return 0
    book = routing.book
    sets = {r.name: r.rule.set for r in book.rules(trigger)}
    fired: dict[int, list[Fired]] = {}
    for number, facts in await _facts(session, open_, trigger, in_hours):
        before = done.get(number, set())
        hits = book.evaluate(facts, only=lambda r: r.rule.after == wait and r.name not in before,
                             settled={sets[name] for name in before if name in sets})
        if hits:
            fired[number] = hits
    await carry_out(session, fired, dict.fromkeys(fired, trigger), now, routing)
    return sum(len(hits) for hits in fired.values())


async def _facts(session: AsyncSession, numbers: list[int], trigger: str, in_hours: bool) -> list[tuple[int, Facts]]:
    first = (select(Message.ticket_id, func.min(Message.id).label("id"))
             .where(Message.ticket_id.in_(numbers), Message.direction == "in").group_by(Message.ticket_id).subquery())
    rows = (await session.execute(
        select(Ticket.id, Ticket.subject, Ticket.organization_id, Customer.email, Organization.domain,
               func.substr(Message.body, 1, TEXT_CHARS))
        .outerjoin(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(Organization, Organization.id == Ticket.organization_id)
        .outerjoin(first, first.c.ticket_id == Ticket.id).outerjoin(Message, Message.id == first.c.id)
        .where(Ticket.id.in_(numbers)).order_by(Ticket.id))).all()
    files = set(await session.scalars(select(Message.ticket_id).join(Attachment, Attachment.message_id == Message.id)
                                      .where(Message.ticket_id.in_(numbers), Attachment.inline.is_(False))))
    contracted = await with_contract(session, {org for _, _, org, *_ in rows if org})
    return [(number, Facts(trigger=trigger, sender=(email or "").lower(), organization=domain,
                           contract=org in contracted, subject=subject or "", text=body or "",
                           attachments=number in files, in_hours=in_hours))
            for number, subject, org, email, domain, body in rows]
