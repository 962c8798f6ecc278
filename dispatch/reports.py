"""Monthly reports: what each client used, made, kept, approved by a manager, then e-mailed.

A month's report lists the organization's tickets with time recorded in that month (in
the configured time zone): a ticket reopened and closed twice sums both closes, a
colleague's help counts, a no-charge close shows 0 and the mark, and a ticket closed
by itself with no time shows 0. The PDF is stored as made: the client's copy can be
shown again. Nothing reaches a client before a manager taps Send (`bot/handlers/reports.py`).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.catalog.words import Catalog
from deskbot.dispatch import contracts, hours, outbox, sla_watch
from deskbot.dispatch.config import Config
from deskbot.mailbox.outbound import Outbound, OutboundAttachment, compose, new_message_id
from deskbot.storage.models import Contract, Customer, HoursAlert, Organization, Report, Staff, Ticket, TimeEntry

DRAFT, HELD, SENT = "draft", "held", "sent"
REPORT_MAIL = "report"  # the outbox purpose of the e-mail to the client


class ReportError(ValueError):
    """Why a report cannot be made; worded for the person who asked: the message for the command
    line, `key` and `text_args` the catalog's text for Telegram (the message itself when no key is given)."""

    def __init__(self, message: str, key: str | None = None, **args: str) -> None:
        super().__init__(message)
        self.key, self.text_args = key or message, args


@dataclass(frozen=True, slots=True)
class Made:
    report: Report
    organization: Organization
    contract: Contract
    fresh: bool  # made now (False: the stored one, already decided on)


async def organization_of(session: AsyncSession, name: str) -> Organization:
    found = await session.scalar(select(Organization).where(Organization.domain == name.strip().lower()))
    if found is None:
        raise ReportError(f"no organization with the domain {name!r}", "report-no-organization", domain=name)
    return found


async def make(session: AsyncSession, config: Config, texts: Catalog, organization: Organization, month: str,
               now: datetime) -> Made:
    """The report of `organization` for `month`: made anew unless a manager already decided on it."""
    zone = ZoneInfo(config.dispatch.timezone)
    start, end = hours.month_bounds(month, zone)
    contract = await session.scalar(select(Contract).where(Contract.organization_id == organization.id))
    if contract is None:
        raise ReportError(f"{organization.domain} has no contract: add one with `deskbot contracts add`",
                          "report-no-contract", organization=organization.name)
    stored = await session.scalar(select(Report).where(Report.organization_id == organization.id,
                                                       Report.month == month))
    if stored is not None and stored.status != DRAFT:
        return Made(stored, organization, contract, False)
    terms = contracts.terms(contract)
    lines = await month_lines(session, organization.id, start, end)
    totals = hours.totals(terms, lines)
    levels = await sla_watch.summary(session, config, [line.number for line in lines], min(now, end))
    data = hours.ReportData(organization=organization.name, domain=organization.domain, month=month, terms=terms,
                            lines=tuple(lines), totals=totals, zone=zone, generated_at=now, sla=levels)
    # fpdf2 (and its fontTools) cost 30 MB: imported on the first report, not by every idle service.
    from deskbot.dispatch.report_pdf import render

    pdf = await asyncio.to_thread(render, data, texts)  # a long month takes a while: off the event loop
    used = sum(line.minutes for line in lines if not line.no_charge)
    if stored is None:
        stored = Report(organization_id=organization.id, month=month)
        session.add(stored)
    stored.status, stored.pdf, stored.used_minutes, stored.tickets = DRAFT, pdf, used, len(lines)
    stored.total_due, stored.created_at = str(totals.total_due), now
    await session.flush()
    return Made(stored, organization, contract, True)


async def month_lines(session: AsyncSession, organization_id: int, start: datetime, end: datetime) -> list[hours.Line]:
    """The month's tickets of the organization: time recorded in the month, or closed in it."""
    spent = (select(TimeEntry.ticket_id, func.sum(TimeEntry.minutes).label("minutes"),
                    func.min(cast(TimeEntry.no_charge, Integer)).label("all_free"),
                    func.max(TimeEntry.recorded_at).label("last"))
             .where(TimeEntry.recorded_at >= start, TimeEntry.recorded_at < end)
             .group_by(TimeEntry.ticket_id).subquery())
    rows = await session.execute(
        select(Ticket.id, Ticket.subject, Ticket.created_at, Ticket.closed_at, Customer.name, Customer.email,
               spent.c.minutes, spent.c.all_free, spent.c.last)
        .outerjoin(spent, spent.c.ticket_id == Ticket.id).outerjoin(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.organization_id == organization_id,
               or_(spent.c.ticket_id.is_not(None), and_(Ticket.closed_at >= start, Ticket.closed_at < end)))
        .order_by(Ticket.id))
    lines = []
    for number, subject, opened, closed_at, name, email, minutes, all_free, last in rows:
        free = bool(all_free) if minutes is not None else False
        closed = closed_at if closed_at is not None and start <= closed_at < end else last
        lines.append(hours.Line(number=number, subject=subject or "", asked_by=name or email or "",
                                opened=opened, closed=closed, minutes=0 if free else int(minutes or 0),
                                no_charge=free))
    return lines


async def month_so_far(session: AsyncSession, config: Config, contract: Contract, now: datetime) -> hours.Totals:
    """This month's figures of the contract until `now`, counted exactly as its report will count them."""
    zone = ZoneInfo(config.dispatch.timezone)
    start, end = hours.month_bounds(now.astimezone(zone).strftime("%Y-%m"), zone)
    lines = await month_lines(session, contract.organization_id, start, end)
    return hours.totals(contracts.terms(contract), lines)


async def month_reports(session: AsyncSession, config: Config, texts: Catalog, now: datetime, *,
                        only_missing: bool = False) -> list[Made]:
    """The cron's work on the 1st: last month's report of every organization whose contract had begun.

    `only_missing`: the catch-up at start, after a 1st the service was down for: only
    the reports not made yet.
    """
    zone = ZoneInfo(config.dispatch.timezone)
    month = hours.previous_month(now, zone)
    _, end = hours.month_bounds(month, zone)
    query = (select(Organization).join(Contract)
             .where(Contract.starts_on < end.astimezone(zone).date()).order_by(Organization.domain))
    if only_missing:
        query = query.where(~select(Report.id).where(Report.organization_id == Organization.id,
                                                     Report.month == month).exists())
    return [await make(session, config, texts, organization, month, now) for organization in list(await session.scalars(query))]


async def managers_of(session: AsyncSession, contract: Contract) -> list[Staff]:
    """The contract's manager, or every active manager when it names none (or names one no longer here)."""
    if contract.manager_id is not None:
        manager = await session.get(Staff, contract.manager_id)
        if manager is not None and manager.active:
            return [manager]
    people = await session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.id))
    return [person for person in people if "manager" in person.role_set]


async def decide(session: AsyncSession, report_id: int, actor: Staff, send: bool, config: Config, texts: Catalog,
                 now: datetime) -> Made:
    """Send (queue the e-mail to the recipients) or hold a report; only a manager, and a sent one stays sent."""
    report = await session.get(Report, report_id, with_for_update=True)
    if report is None:
        raise ReportError("report-gone")
    organization = await session.get(Organization, report.organization_id)
    contract = await session.scalar(select(Contract).where(Contract.organization_id == report.organization_id))
    if "manager" not in actor.role_set:
        raise ReportError("report-manager-only")
    if report.status == SENT:
        raise ReportError("report-already-sent")
    if not send:
        report.status = HELD
    else:
        recipients = contracts.addresses(contract.recipients) if contract else []
        if not recipients:
            raise ReportError("report-no-recipients")
        queue_mail(session, config, texts, report, organization, recipients, now)
        report.status = SENT
    report.decided_by_id, report.decided_at = actor.id, now
    return Made(report, organization, contract, False)


def queue_mail(session: AsyncSession, config: Config, texts: Catalog, report: Report, organization: Organization,
               recipients: list[str], now: datetime) -> None:
    sender = config.smtp.from_address or config.mailbox.username
    team = parseaddr(sender)[0] or texts.plain("mail-team")
    period = texts.month(report.month)
    mail = Outbound(from_address=sender, to_address=", ".join(recipients), to_name="",
                    subject=texts.plain("report-mail-subject", organization=organization.name, period=period),
                    text=f"{texts.plain('report-mail-body', organization=organization.name, period=period)}\n\n-- \n{team}",
                    attachments=(OutboundAttachment(filename=file_name(organization, report.month),
                                                    content_type="application/pdf", data=report.pdf),))
    data = compose(mail, message_id=new_message_id(sender), date=now).as_bytes()
    outbox.send_mail(session, mail_from=parseaddr(sender)[1], rcpt_to=recipients, purpose=REPORT_MAIL, now=now,
                     data=data)


def file_name(organization: Organization, month: str) -> str:
    return f"report-{organization.domain}-{month}.pdf"


async def hours_alerts_due(session: AsyncSession, config: Config, now: datetime) -> list[tuple[Contract, Organization, int, int]]:
    """The thresholds (80 %, 100 % of the package) clients passed this month and nobody was told of yet,
    recorded as told; (contract, organization, threshold, used minutes) each, for the caller to tell."""
    zone = ZoneInfo(config.dispatch.timezone)
    month = now.astimezone(zone).strftime("%Y-%m")
    start, end = hours.month_bounds(month, zone)
    used = dict((await session.execute(
        select(Ticket.organization_id, func.sum(TimeEntry.minutes)).join(Ticket, Ticket.id == TimeEntry.ticket_id)
        .where(TimeEntry.recorded_at >= start, TimeEntry.recorded_at < end, TimeEntry.no_charge.is_(False),
               Ticket.organization_id.is_not(None))
        .group_by(Ticket.organization_id))).all())
    if not used:
        return []
    told = {}
    for organization_id, threshold in await session.execute(
            select(HoursAlert.organization_id, HoursAlert.threshold).where(HoursAlert.month == month)):
        told.setdefault(organization_id, set()).add(threshold)
    due = []
    rows = await session.execute(select(Contract, Organization).join(Organization)
                                 .where(Contract.organization_id.in_(used), Contract.included_minutes.is_not(None)))
    for contract, organization in rows:
        minutes = int(used[organization.id])
        for threshold in hours.thresholds_passed(contracts.terms(contract), minutes, told.get(organization.id, set())):
            session.add(HoursAlert(organization_id=organization.id, month=month, threshold=threshold, sent_at=now))
            due.append((contract, organization, threshold, minutes))
    await session.flush()
    return due
