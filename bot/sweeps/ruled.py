"""What routing rules must tell, sent after the fact: the assignee's card (as when a dispatcher assigns),
notices to the people a rule names, and the customer's templated mail.

The intake (or the time sweep) recorded each firing with `told_at` NULL in its own transaction; this
sweep queues what the firing asks for in the outbox and marks it told, in one transaction, claiming
rows with SKIP LOCKED on PostgreSQL so that two services never tell twice.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.notify import Notifier
from deskbot.bot.render import rules as rule_words
from deskbot.bot.render.texts import Texts
from deskbot.dispatch import cards, outbox
from deskbot.dispatch.acknowledge import may_write
from deskbot.dispatch.config import Config
from deskbot.dispatch.customer_mail import queue_to_customer
from deskbot.dispatch.rules import Status
from deskbot.storage.models import Customer, RuleFiring, Staff, Ticket

MAX_PER_SWEEP = 10  # a pass a second: more than a chat takes (1 a second); a burst's intake keeps the CPU
NOTICE = "rule"  # the outbox purpose of a rule's notice
MAIL = "rule-mail"  # the outbox purpose of a rule's templated e-mail
_PLACEHOLDER = re.compile(r"\{(number|subject|name)\}")


async def tell_firings(session: AsyncSession, config: Config, texts: Texts, notify: Notifier, now: datetime) -> int:
    """Queue what untold firings ask for and mark them told; how many messages were queued."""
    firings = list(await session.scalars(
        select(RuleFiring).where(RuleFiring.told_at.is_(None)).order_by(RuleFiring.id).limit(MAX_PER_SWEEP)
        .with_for_update(skip_locked=True)))
    queued = 0
    for firing in firings:
        firing.told_at = now
        ticket = await session.get(Ticket, firing.ticket_id)
        if ticket is None:
            continue
        effects = json.loads(firing.effects)
        queued += await _assignee(session, ticket, firing, effects.get("assign"), notify, now)
        queued += await _notices(session, ticket, firing, effects.get("notify") or [], texts, now)
        if effects.get("reply"):
            queued += await _mail(session, config, texts, ticket, effects["reply"], firing.rule, now)
    return queued


async def _assignee(session: AsyncSession, ticket: Ticket, firing: RuleFiring, staff_id: int | None,
                    notify: Notifier, now: datetime) -> int:
    """The assignee's private card with Take, as a dispatcher's assignment sends it; not when a dispatcher
    overrode the rule meanwhile (their assignment sent its own card)."""
    if not staff_id or ticket.assignee_id != staff_id or ticket.assigned_by_rule != firing.rule \
            or ticket.status != Status.ASSIGNED:
        return 0
    assignee = await session.get(Staff, staff_id)
    if assignee is None or not assignee.active:
        return 0
    outbox.send_message(session, chat_id=assignee.telegram_id, purpose=outbox.CARD, ticket_id=ticket.id,
                        text=await notify.assignee_card(session, ticket), reply_markup=notify.actions(ticket, assignee),
                        now=now)
    return 1


async def _notices(session: AsyncSession, ticket: Ticket, firing: RuleFiring, staff_ids: list[int],
                   texts: Texts, now: datetime) -> int:
    if not staff_ids:
        return 0
    header = texts.t("rule-notice", rule=firing.rule, number=ticket.id,
                     why=rule_words.why(texts, json.loads(firing.reasons)))
    text = texts.card(await cards.mail_of(session, ticket), header=header)
    queued = 0
    for person in await session.scalars(select(Staff).where(Staff.id.in_(staff_ids), Staff.active.is_(True))):
        outbox.send_message(session, chat_id=person.telegram_id, purpose=NOTICE, ticket_id=ticket.id, text=text,
                            now=now)
        queued += 1
    return queued


async def _mail(session: AsyncSession, config: Config, texts: Texts, ticket: Ticket, key: str, rule: str,
                now: datetime) -> int:
    template = next((t for t in config.mail_templates if t.key == key), None)
    customer = await session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    if template is None or customer is None or not may_write(customer.email, config.own_addresses):
        return 0
    subject, text = template.words(config.telegram.language)
    values = {"number": str(ticket.id), "subject": ticket.subject or "", "name": customer.name or ""}

    def filled(words: str) -> str:  # never str.format: a template must not reach attributes
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], words)
    body = filled(text)
    team = parseaddr(config.smtp.from_address or config.mailbox.username)[0] or texts.plain("mail-team")
    await queue_to_customer(session, config, ticket, customer, body=body, signature=team, writer=team, purpose=MAIL,
                            now=now, automatic=f"rule «{rule}»", subject=filled(subject) if subject else None)
    return 1
