"""Writing one batch of parsed mail in one transaction, with a fixed number of statements.

Lookups are done per batch with IN, inserts as multi-row statements: per-message
statements cost several times more, and ingest must keep up with a full mailbox.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.clock import Clock
from deskbot.dispatch.intake import (
    Decision, Outcome, after_close, decide, find_ticket, note_unclear_thread, organization_domain,
)
from deskbot.dispatch.quarantine import keep_aside
from deskbot.dispatch.routing import Facts
from deskbot.dispatch.rule_actions import Routing, apply, with_contract
from deskbot.dispatch.threads import known_ids, tagged_parties
from deskbot.dispatch.rules import Status
from deskbot.mailbox.inbound import Attachment as InboundAttachment
from deskbot.mailbox.inbound import Fetched, InboundMail
from deskbot.storage.models import Attachment, Customer, Message, Organization, RawMail, Ticket, TicketEvent


@dataclass(frozen=True, slots=True)
class MailboxPlace:
    mailbox: str  # "user@host": a mail's key (mailbox/identity.py) is unique per mailbox
    folder: str


class IngestSettings(Protocol):
    """What a batch needs of the ingest that writes it (dispatch/ingest.py): the clock, the place, the intake settings."""

    clock: Clock
    place: MailboxPlace
    own_addresses: set[str]
    free_mail_domains: set[str]
    reopen_within: timedelta
    routing: Routing


@dataclass(frozen=True, slots=True)
class Stored:
    """What became of one fetched message."""

    uid: int
    key: str
    outcome: Outcome
    ticket_id: int | None
    reason: str | None


class BatchWriter:
    """One batch, one transaction: duplicates dropped, replies matched, tickets opened, everything kept."""

    def __init__(self, ingest: IngestSettings, session: AsyncSession, uidvalidity: int) -> None:
        self.ingest = ingest
        self.session = session
        self.uidvalidity = uidvalidity
        self.now = ingest.clock.now()

    async def write(self, batch: list[Fetched]) -> list[Stored]:
        fresh = await self._drop_duplicates(batch)
        known = await known_ids(self.session, [f.mail for f in fresh])
        tagged = await tagged_parties(self.session, [f.mail for f in fresh])
        customers = await self._customers(f.mail for f in fresh)
        closed = await self._closed_at({*known.ours.values(), *known.every_received(), *tagged})
        decisions: list[Decision] = []
        unclear: dict[int, tuple[str, tuple[int, ...]]] = {}  # index in fresh -> the ambiguous Message-ID
        new_ticket_slots: dict[int, int] = {}  # index in fresh -> index among new tickets
        for index, item in enumerate(fresh):
            match = find_ticket(item.mail, known, tagged)
            ticket_ref = match.ticket_id
            decision = decide(item.mail, ticket_ref, self.ingest.own_addresses)
            decision = after_close(decision, closed.get(ticket_ref), self.now, self.ingest.reopen_within)
            decisions.append(decision)
            if match.unclear is not None:
                unclear[index] = match.unclear
            ticket_ref = decision.ticket_id  # where this mail is kept, as the database will say
            if decision.outcome is Outcome.TICKET:
                # Later mail in this same batch may answer the ticket opened here.
                new_ticket_slots[index] = len(new_ticket_slots)
                ticket_ref = -(index + 1)
            if item.mail.message_id and ticket_ref is not None:
                known.add_received(item.mail.message_id, ticket_ref)
        new_ids = await self._open_tickets([(fresh[i], decisions[i].follows) for i in new_ticket_slots], customers)

        def resolve(ref: int) -> int:  # negative: the ticket opened in this batch by fresh[-ref - 1]
            return new_ids[new_ticket_slots[-ref - 1]] if ref < 0 else ref

        for index, (message_id, refs) in unclear.items():
            decisions[index] = note_unclear_thread(decisions[index], message_id, map(resolve, refs))
        fresh_ids = {id(f) for f in fresh}
        results = [
            Stored(f.uid, f.mail.key, Outcome.DUPLICATE, None, "already stored")
            for f in batch if id(f) not in fresh_ids
        ]
        resolved: list[int | None] = []
        for index, decision in enumerate(decisions):
            ticket_id = decision.ticket_id
            if decision.outcome is Outcome.TICKET:
                ticket_id = new_ids[new_ticket_slots[index]]
            elif ticket_id is not None:
                ticket_id = resolve(ticket_id)
            resolved.append(ticket_id)
            results.append(Stored(fresh[index].uid, fresh[index].mail.key, decision.outcome, ticket_id, decision.reason))
        await self._save(fresh, decisions, resolved)
        await self._touch_tickets(decisions, resolved)
        if self.ingest.routing.book:
            await self._route(fresh, decisions, resolved, customers)
        return sorted(results, key=lambda r: r.uid)

    async def _route(self, items: list[Fetched], decisions: list[Decision], tickets: list[int | None],
                     customers: dict[str, tuple[int, int | None]]) -> None:
        """The routing rules on each new ticket and each customer's reply, in this transaction."""
        triggers = {Outcome.TICKET: "new", Outcome.REPLY: "reply"}
        chosen = [(f, triggers[d.outcome], t) for f, d, t in zip(items, decisions, tickets, strict=True)
                  if d.outcome in triggers and t is not None and f.mail.sender is not None]
        if not chosen:
            return
        organizations = {org for f, _, _ in chosen if (org := customers.get(f.mail.sender.email, (0, None))[1])}
        domains = dict((await self.session.execute(select(Organization.id, Organization.domain).where(
            Organization.id.in_(organizations)))).all()) if organizations else {}
        contracted = await with_contract(self.session, organizations)
        in_hours = self.ingest.routing.in_hours(self.now)
        web = self.ingest.place.mailbox == "web"  # only the form's own mail says its request type: mail could forge it
        candidates = []
        for item, trigger, number in chosen:
            mail, org = item.mail, customers.get(item.mail.sender.email, (0, None))[1]
            candidates.append((number, Facts(
                trigger=trigger, sender=mail.sender.email, organization=domains.get(org), contract=org in contracted,
                subject=mail.subject, text=mail.text, request_type=_request_type(item.raw) if web else None,
                attachments=any(not a.inline for a in mail.attachments), in_hours=in_hours)))
        await apply(self.session, candidates, self.ingest.routing, self.now)

    async def _drop_duplicates(self, batch: list[Fetched]) -> list[Fetched]:
        seen = await stored_keys(self.session, self.ingest.place.mailbox, (f.mail.key for f in batch))
        fresh = []
        for item in batch:
            if item.mail.key not in seen:
                seen.add(item.mail.key)
                fresh.append(item)
        return fresh

    async def _customers(self, mails: Iterable[InboundMail]) -> dict[str, tuple[int, int | None]]:
        """email -> (customer id, organization id), creating what is missing."""
        names = {m.sender.email: m.sender.name for m in mails if m.sender is not None}
        if not names:
            return {}
        s = self.session
        found = {
            email: (cid, org, name)
            for cid, email, org, name in await s.execute(
                select(Customer.id, Customer.email, Customer.organization_id, Customer.name).where(
                    Customer.email.in_(names)
                )
            )
        }
        for email, (cid, _org, name) in found.items():
            if not name and names[email]:
                await s.execute(update(Customer).where(Customer.id == cid).values(name=names[email]))
        missing = [e for e in names if e not in found]
        orgs = await self._organizations(missing)
        if missing:
            rows = [
                {"email": e, "name": clean_text(names[e], 255), "organization_id": orgs.get(e.rpartition("@")[2]), "created_at": self.now}
                for e in missing
            ]
            ids = await _insert_ids(s, Customer, rows)
            for row, cid in zip(rows, ids, strict=True):
                found[row["email"]] = (cid, row["organization_id"], row["name"])
        return {email: (cid, org) for email, (cid, org, _name) in found.items()}

    async def _organizations(self, emails: list[str]) -> dict[str, int]:
        free = self.ingest.free_mail_domains
        domains = {d for e in emails if (d := organization_domain(e, free))}
        if not domains:
            return {}
        s = self.session
        found = dict(
            (await s.execute(select(Organization.domain, Organization.id).where(Organization.domain.in_(domains)))).all()
        )
        missing = sorted(domains - found.keys())
        if missing:
            rows = [{"domain": d, "name": d, "created_at": self.now} for d in missing]
            ids = await _insert_ids(s, Organization, rows)
            found.update(zip(missing, ids, strict=True))
        return found

    async def _closed_at(self, tickets: set[int]) -> dict[int, datetime]:
        """When each of these tickets (those of them that are closed) was closed."""
        existing = [t for t in tickets if t > 0]  # negative: opened in this very batch
        if not existing:
            return {}
        rows = await self.session.execute(
            select(Ticket.id, Ticket.closed_at).where(Ticket.id.in_(existing), Ticket.status == Status.CLOSED))
        return {number: closed_at or self.now for number, closed_at in rows}

    async def _open_tickets(self, items: list[tuple[Fetched, int | None]],
                            customers: dict[str, tuple[int, int | None]]) -> list[int]:
        if not items:
            return []
        rows = []
        for item, follows in items:
            customer_id, org_id = customers[item.mail.sender.email]
            rows.append({
                "subject": clean_text(item.mail.subject), "status": "new", "customer_id": customer_id,
                "organization_id": org_id, "created_at": self.now, "updated_at": self.now, "no_charge": False,
                "follows_id": follows,
            })
        ids = await _insert_ids(self.session, Ticket, rows)
        # The audit log's first line of each ticket; one statement for the batch.
        await self.session.execute(insert(TicketEvent.__table__), [
            {"ticket_id": number, "staff_id": None, "kind": "created",
             "detail": f"by mail from {item.mail.sender.email}" + (f", follows #{follows}" if follows else "")
                       + (f"; {item.mail.sender_note}" if item.mail.sender_note else ""),  # recovered how
             "at": self.now}
            for number, (item, follows) in zip(ids, items, strict=True)])
        return ids

    async def _save(self, items: list[Fetched], decisions: list[Decision], tickets: list[int | None]) -> None:
        if not items:
            return
        place, s = self.ingest.place, self.session
        raw_ids = await _insert_ids(
            s, RawMail,
            [
                {
                    "mailbox": place.mailbox, "message_key": f.mail.key, "folder": place.folder,
                    "uidvalidity": self.uidvalidity, "uid": f.uid, "size": len(f.raw), "content": f.raw,
                    "received_at": self.now, "outcome": d.outcome.value, "reason": clean_text(d.reason), "ticket_id": t,
                }
                for f, d, t in zip(items, decisions, tickets, strict=True)
            ],
        )
        await keep_aside(s, [(raw_id, f.raw, f.mail) for f, d, raw_id in zip(items, decisions, raw_ids, strict=True)
                             if d.outcome is Outcome.QUARANTINE], self.ingest.own_addresses, self.now)
        kept = [(f, raw_id, t) for f, raw_id, t in zip(items, raw_ids, tickets, strict=True) if t is not None]
        if not kept:
            return
        message_ids = await _insert_ids(
            s, Message,
            [_message_row(f.mail, raw_id, t, self.now) for f, raw_id, t in kept],
        )
        attachments = [
            {**_attachment_row(a), "message_id": mid}
            for (f, _raw, _t), mid in zip(kept, message_ids, strict=True)
            for a in f.mail.attachments
        ]
        if attachments:
            await s.execute(insert(Attachment.__table__), attachments)

    async def _touch_tickets(self, decisions: list[Decision], tickets: list[int | None]) -> None:
        replied = {t for d, t in zip(decisions, tickets, strict=True) if d.outcome is Outcome.REPLY and t is not None}
        if replied:
            await self.session.execute(update(Ticket).where(Ticket.id.in_(replied)).values(updated_at=self.now))
            # The customer answered what we waited for: back in work (an auto-reply, Outcome.AUTO, is no answer).
            resumed = sorted(await self.session.scalars(
                update(Ticket).where(Ticket.id.in_(replied), Ticket.status == Status.WAITING)
                .values(status=Status.IN_PROGRESS, waiting_since=None, sla_check_at=self.now)
                .returning(Ticket.id)))
            if resumed:
                await self.session.execute(insert(TicketEvent.__table__), [
                    {"ticket_id": t, "staff_id": None, "kind": "resumed", "detail": "the customer replied",
                     "at": self.now} for t in resumed])
        reopened = sorted({t for d, t in zip(decisions, tickets, strict=True) if d.reopens and t is not None})
        if reopened:
            # Back to its assignee, who hears of it with the reply (bot/sweeps/forward.py).
            await self.session.execute(update(Ticket).where(Ticket.id.in_(reopened), Ticket.status == Status.CLOSED)
                                       .values(status=Status.ASSIGNED, closed_at=None, taken_at=None,
                                               sla_check_at=self.now))  # its SLA clock runs again
            await self.session.execute(insert(TicketEvent.__table__), [
                {"ticket_id": t, "staff_id": None, "kind": "reopened", "detail": "the customer replied", "at": self.now}
                for t in reopened])


def _request_type(raw: bytes) -> str | None:
    from email.parser import BytesHeaderParser

    from deskbot.dispatch.web_form import TYPE_HEADER

    value = BytesHeaderParser().parsebytes(raw).get(TYPE_HEADER)
    return str(value).strip().lower() or None if value else None


async def _insert_ids(session: AsyncSession, model, rows: list[dict]) -> list[int]:
    """Insert many rows in few statements; the new ids, in the order of `rows`.

    SQLAlchemy's `sort_by_parameter_order` makes SQLite insert one row per statement
    (a thread hop each with aiosqlite: the bottleneck of ingest). Both SQLite (rowid
    = max + 1, under the write lock) and PostgreSQL (nextval per row, in VALUES
    order) hand out ascending ids in row order, so sorting the ids restores the order.
    """
    # The Core table, not the ORM class: the ORM bulk path costs several times more per row.
    table = model.__table__
    ids = sorted(await session.scalars(insert(table).returning(table.c.id), rows))
    if len(ids) != len(rows):
        raise RuntimeError(f"inserted {len(rows)} rows into {model.__tablename__}, got {len(ids)} ids")
    return ids


async def stored_keys(session: AsyncSession, mailbox: str, keys: Iterable[str]) -> set[str]:
    """Which of these mail keys (mailbox/identity.py) the mailbox already has: a key is unique per mailbox."""
    wanted = list(set(keys))
    if not wanted:
        return set()
    rows = await session.scalars(
        select(RawMail.message_key).where(RawMail.mailbox == mailbox, RawMail.message_key.in_(wanted))
    )
    return set(rows)


def _message_row(mail: InboundMail, raw_id: int, ticket_id: int, now: datetime) -> dict:
    sender = mail.sender
    sent_at = mail.date
    if sent_at is not None and sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=timezone.utc)
    return {
        "ticket_id": ticket_id, "raw_id": raw_id, "direction": "in", "message_id": clean_text(mail.message_id, 998),
        "sender_email": sender.email if sender else "", "sender_name": clean_text(sender.name if sender else "", 255),
        "subject": clean_text(mail.subject), "body": clean_text(mail.text), "auto": clean_text(mail.auto),
        "sent_at": sent_at, "created_at": now,
    }


def _attachment_row(a: InboundAttachment) -> dict:
    return {
        "filename": clean_text(a.filename, 255), "content_type": clean_text(a.content_type, 255), "size": a.size,
        "sha256": a.sha256, "stored_path": a.stored_path, "inline": a.inline,
        "content_id": clean_text(a.content_id, 998), "skipped_reason": clean_text(a.skipped_reason),
    }


def clean_text(value: str | None, limit: int | None = None) -> str | None:
    """PostgreSQL refuses NUL in text, and enforces column lengths: a poison value must not stall the batch."""
    if value is None:
        return None
    value = value.replace("\x00", "")
    return value[:limit] if limit else value
