"""Contracts and monthly reports on SQLite and PostgreSQL: the month's lines, the totals, the PDF,
the cron's run with a frozen clock, and the hours alerts."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from deskbot.app.schedule import monthly_trigger
from deskbot.bot.render.texts import Texts
from deskbot.dispatch import contracts, reports
from deskbot.dispatch.config import Config
from deskbot.dispatch.contracts import ContractError
from deskbot.dispatch.hours import totals
from deskbot.storage.db import session_factory
from deskbot.storage.models import Customer, HoursAlert, Organization, Report, Staff, Ticket, TimeEntry

UTC = timezone.utc
NOW = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)  # 06:00 in Moscow, the cron's hour
CONFIG = Config.model_validate({
    "mailbox": {"host": "imap.test", "username": "support@desk.test"},
    "telegram": {"language": "ru"},
    "dispatch": {"timezone": "Europe/Moscow"},
})
RU = Texts("ru")


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


async def contract(sessions, domain: str = "example.com", **values) -> None:
    fields = {"number": "SUP-7", "start": "2026-01-01", "fee": "50 000", "hours": "10", "bonus": "2",
              "rate": "2500", "overage_rate": "1500", **values}
    async with sessions.begin() as s:
        await contracts.save(s, domain, fields, NOW, name="ООО «Пример»")


async def ticket(sessions, number: int, subject: str, *entries: tuple[datetime, int, bool],
                 domain: str = "example.com", closed: datetime | None = None) -> None:
    """A ticket of the organization asked by Анна, with time entries (recorded at, minutes, no charge)."""
    async with sessions.begin() as s:
        organization = await s.scalar(select(Organization).where(Organization.domain == domain))
        customer = await s.scalar(select(Customer).where(Customer.email == f"anna@{domain}"))
        if customer is None:
            customer = Customer(email=f"anna@{domain}", name="Анна Петрова", organization_id=organization.id,
                                created_at=NOW - timedelta(days=60))
            s.add(customer)
            await s.flush()
        s.add(Ticket(id=number, subject=subject, status="closed", customer_id=customer.id,
                     organization_id=organization.id, created_at=NOW - timedelta(days=40), updated_at=NOW,
                     closed_at=closed or (entries[-1][0] if entries else None)))
        await s.flush()
        s.add_all(TimeEntry(ticket_id=number, minutes=minutes, no_charge=free, recorded_at=at)
                  for at, minutes, free in entries)


async def october(sessions) -> reports.Made:
    async with sessions.begin() as s:
        organization = await reports.organization_of(s, "example.com")
        return await reports.make(s, CONFIG, RU, organization, "2026-10", NOW)


async def test_the_month_is_the_desks_month_and_a_reopened_ticket_sums_its_closes(sessions):
    await contract(sessions)
    last_evening = datetime(2026, 10, 31, 20, 30, tzinfo=UTC)  # 23:30 in Moscow: still October
    await ticket(sessions, 1, "Принтер не печатает", (datetime(2026, 10, 3, 9, 0, tzinfo=UTC), 30, False),
                 (last_evening, 45, False))  # closed, reopened, closed again
    await ticket(sessions, 2, "VPN", (datetime(2026, 10, 31, 21, 30, tzinfo=UTC), 60, False))  # 00:30 on Nov 1
    await ticket(sessions, 3, "Our fault", (datetime(2026, 10, 10, 9, 0, tzinfo=UTC), 0, True))
    await ticket(sessions, 4, "Silent customer", closed=datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
    await ticket(sessions, 5, "September", (datetime(2026, 9, 30, 20, 59, tzinfo=UTC), 90, False))
    made = await october(sessions)
    async with sessions() as s:
        organization = await reports.organization_of(s, "example.com")
        start, end = datetime(2026, 9, 30, 21, 0, tzinfo=UTC), datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
        lines = await reports.month_lines(s, organization.id, start, end)
    assert [(line.number, line.minutes, line.no_charge) for line in lines] == [
        (1, 75, False), (3, 0, True), (4, 0, False)]
    assert lines[0].closed == last_evening and lines[0].asked_by == "Анна Петрова"
    assert (made.report.status, made.report.tickets, made.report.used_minutes) == ("draft", 3, 75)


async def test_overage_in_exact_decimals_and_the_russian_pdf_reads_back(sessions):
    await contract(sessions)
    await ticket(sessions, 1, "Сервер 1С не отвечает", (datetime(2026, 10, 5, 9, 0, tzinfo=UTC), 13 * 60 + 20, False))
    made = await october(sessions)
    assert made.report.total_due == "51995.00"  # 13.33 h used − 10 − 2 bonus = 1.33 h × 1500.00 + 50 000.00
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(made.report.pdf)).pages)
    for expected in ("ООО «Пример»", "Сервер 1С не отвечает", "Анна Петрова", "SUP-7", "1 995,00", "51 995,00"):
        assert expected in text, expected


async def test_an_unlimited_contract_has_no_overage(sessions):
    await contract(sessions, hours="unlimited")
    await ticket(sessions, 1, "Lots of work", (datetime(2026, 10, 5, 9, 0, tzinfo=UTC), 40 * 60, False))
    async with sessions() as s:
        [listed] = await contracts.listed(s)
        terms = contracts.terms(listed.contract)
    made = await october(sessions)
    assert terms.hours_included is None and made.report.total_due == "50000.00"
    result = totals(terms, [])
    assert (result.overage_hours, result.overage_cost) == (Decimal("0.00"), Decimal("0.00"))


async def test_the_cron_run_on_the_first_makes_last_months_reports_once_decided_stays(sessions):
    await contract(sessions)
    await contract(sessions, "other.test", number="SUP-8")
    await ticket(sessions, 1, "VPN", (datetime(2026, 10, 5, 9, 0, tzinfo=UTC), 30, False))
    trigger = monthly_trigger(CONFIG)
    fire = trigger.get_next_fire_time(None, datetime(2026, 10, 15, 12, 0, tzinfo=UTC))
    assert fire.astimezone(UTC) == NOW  # 06:00 Moscow on the 1st
    async with sessions.begin() as s:
        made = await reports.month_reports(s, CONFIG, RU, NOW)
    assert [(m.organization.domain, m.report.month, m.report.tickets) for m in made] == [
        ("example.com", "2026-10", 1), ("other.test", "2026-10", 0)]
    async with sessions.begin() as s:
        manager = Staff(telegram_id=77, name="Мария", roles="manager")
        s.add(manager)
        await s.flush()
        await reports.decide(s, made[0].report.id, manager, False, CONFIG, RU, NOW)
    async with sessions.begin() as s:  # run again (a restart): the held one is kept as it was
        again = await reports.month_reports(s, CONFIG, RU, NOW + timedelta(hours=1))
    assert [(m.report.status, m.fresh) for m in again] == [("held", False), ("draft", True)]
    async with sessions() as s:
        assert len(list(await s.scalars(select(Report)))) == 2


async def test_only_a_manager_sends_and_only_to_the_recipients(sessions):
    await contract(sessions, recipients="boss@example.com, it@example.com")
    made = await october(sessions)
    async with sessions.begin() as s:
        specialist = Staff(telegram_id=5, name="Sam", roles="specialist")
        manager = Staff(telegram_id=6, name="Мария", roles="manager")
        s.add_all([specialist, manager])
        await s.flush()
        with pytest.raises(reports.ReportError, match="report-manager-only"):
            await reports.decide(s, made.report.id, specialist, True, CONFIG, RU, NOW)
        done = await reports.decide(s, made.report.id, manager, True, CONFIG, RU, NOW)
        assert done.report.status == "sent"
        with pytest.raises(reports.ReportError, match="report-already-sent"):
            await reports.decide(s, made.report.id, manager, True, CONFIG, RU, NOW)


async def test_contracts_refuse_what_they_cannot_keep_exactly(sessions):
    with pytest.raises(ContractError, match="a new contract needs --number"):
        async with sessions.begin() as s:
            await contracts.save(s, "example.com", {"fee": "1"}, NOW)
    for field, value, message in [("fee", "12.345", "at most two decimals"), ("hours", "-3", "non-negative"),
                                  ("recipients", "boss at example.com", "not an e-mail address"),
                                  ("start", "01.01.2026", "use a date like")]:
        with pytest.raises(ContractError, match=message):
            async with sessions.begin() as s:
                await contracts.save(s, "example.com", {"number": "1", "start": "2026-01-01", field: value}, NOW)
    await contract(sessions)
    with pytest.raises(ContractError, match="already has contract SUP-7"):
        await contract(sessions)


async def test_an_address_listed_by_hand_brings_its_tickets(sessions):
    async with sessions.begin() as s:
        s.add(Customer(email="ceo.example@gmail.com", name="CEO", created_at=NOW))
        await s.flush()
        customer = await s.scalar(select(Customer).where(Customer.email == "ceo.example@gmail.com"))
        s.add(Ticket(id=9, subject="From gmail", status="new", customer_id=customer.id, created_at=NOW,
                     updated_at=NOW))
    async with sessions.begin() as s:
        await contracts.save(s, "example.com", {"number": "1", "start": "2026-01-01"}, NOW,
                             extra_addresses=["CEO.example@gmail.com"])
    async with sessions() as s:
        organization = await reports.organization_of(s, "example.com")
        assert (await s.get(Ticket, 9)).organization_id == organization.id


async def test_hours_alerts_at_80_and_100_percent_once_a_month(sessions):
    await contract(sessions)  # 10 h + 2 h bonus = 12 h
    november = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    await ticket(sessions, 1, "A", (november, 9 * 60, False))

    async def due(at):
        async with sessions.begin() as s:
            return [(threshold, minutes) for _c, _o, threshold, minutes in
                    await reports.hours_alerts_due(s, CONFIG, at)]
    assert await due(november) == []  # 9 h of 12: 75 %
    await ticket(sessions, 2, "B", (november, 36, False), (november, 600, True))  # no charge counts for nothing
    assert await due(november) == [(80, 576)]
    assert await due(november) == []
    await ticket(sessions, 3, "C", (november, 150, False))
    assert await due(november) == [(100, 726)]
    async with sessions() as s:
        assert sorted(a.threshold for a in await s.scalars(select(HoursAlert))) == [80, 100]


async def test_the_scheduled_job_makes_the_reports_and_asks_the_managers(sessions):
    from deskbot.dispatch.clock import FrozenClock
    from deskbot.app.sweeps import monthly_reports
    from deskbot.storage.models import OutboxMessage

    async with sessions.begin() as s:
        s.add(Staff(telegram_id=77, name="Мария", roles="manager"))
    await contract(sessions)
    assert await monthly_reports(CONFIG, sessions, FrozenClock(NOW), RU, True) == 1
    async with sessions() as s:
        [row] = await s.scalars(select(OutboxMessage))
        report = await s.scalar(select(Report))
    assert (row.chat_id, row.method, row.purpose) == (77, "sendDocument", "report")
    assert json.loads(row.payload)["report"] == report.id and report.month == "2026-10"


async def test_the_catch_up_makes_only_what_is_missing_and_never_before_the_contract(sessions):
    await contract(sessions)
    await contract(sessions, "late.test", number="SUP-9", start="2026-11-05")  # begins after October
    await contract(sessions, "done.test", number="SUP-10")
    async with sessions.begin() as s:
        done = await reports.organization_of(s, "done.test")
        await reports.make(s, CONFIG, RU, done, "2026-10", NOW)
    async with sessions.begin() as s:
        made = await reports.month_reports(s, CONFIG, RU, NOW, only_missing=True)
    assert [m.organization.domain for m in made] == ["example.com"]
    from deskbot.app.schedule import past_this_months_run
    moscow_05_59 = datetime(2026, 11, 1, 2, 59, tzinfo=UTC)
    assert not past_this_months_run(CONFIG, moscow_05_59) and past_this_months_run(CONFIG, NOW)


async def test_a_name_longer_than_the_column_is_cut_not_refused_by_postgresql(sessions):
    await contract(sessions, "long.test")
    async with sessions.begin() as s:
        await contracts.save(s, "long.test", {"fee": "1"}, NOW, name="Ы" * 400, create=False)
    async with sessions() as s:
        assert (await reports.organization_of(s, "long.test")).name == "Ы" * 255
