"""Steps shared by the cabinet's contract pages' tests: reports stored as a manager left them, the
contract's figures and manager, time recorded on tickets."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from deskbot.storage.models import Contract, Organization, Report, Staff, TimeEntry

PDF = b"%PDF-1.4\n% a stored report\n%%EOF\n"
MANAGER_CHAT = 5005


async def add_report(sessions, domain: str, month: str, status: str, at: datetime, pdf: bytes = PDF) -> int:
    async with sessions.begin() as s:
        org = await s.scalar(select(Organization.id).where(Organization.domain == domain))
        report = Report(organization_id=org, month=month, status=status, pdf=pdf, used_minutes=90, total_due="100.00",
                        tickets=1, created_at=at, decided_at=at if status != "draft" else None)
        s.add(report)
        await s.flush()
        return report.id


async def set_contract(sessions, domain: str, **values) -> None:
    async with sessions.begin() as s:
        org = await s.scalar(select(Organization.id).where(Organization.domain == domain))
        await s.execute(update(Contract).where(Contract.organization_id == org).values(**values))


async def add_manager(sessions, domain: str, name: str = "Maria Manager") -> int:
    async with sessions.begin() as s:
        manager = Staff(telegram_id=MANAGER_CHAT, name=name, roles="manager", active=True)
        s.add(manager)
        await s.flush()
        org = await s.scalar(select(Organization.id).where(Organization.domain == domain))
        await s.execute(update(Contract).where(Contract.organization_id == org).values(manager_id=manager.id))
        return manager.id


async def record_time(sessions, ticket_id: int, minutes: int, at: datetime, no_charge: bool = False) -> None:
    async with sessions.begin() as s:
        s.add(TimeEntry(ticket_id=ticket_id, minutes=minutes, no_charge=no_charge, recorded_at=at))
