"""The monthly report counts the client's SLA targets met and missed (its contract's targets), both databases."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from deskbot.bot.render.texts import Texts
from deskbot.dispatch import contracts, reports
from deskbot.dispatch.config import Config
from deskbot.storage.db import session_factory
from deskbot.storage.models import Organization, Ticket, TicketEvent, TimeEntry

UTC = timezone.utc
NOW = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
OPENED = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)
CONFIG = Config.model_validate({
    "mailbox": {"host": "imap.test", "username": "support@desk.test"},
    "dispatch": {"timezone": "Europe/Moscow"},
    "sla": {"first_response": "4h", "resolution": "3d"},
})
EN = Texts("en")


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


async def test_the_report_counts_met_and_missed_targets(sessions):
    async with sessions.begin() as s:
        await contracts.save(s, "example.com", {"number": "S-1", "start": "2026-01-01", "first_response": "1h"}, NOW)
        organization = await s.scalar(select(Organization))
        for number, answered, closed in ((1, 0.5, 5), (2, 2, 100)):  # hours after opening
            s.add(Ticket(id=number, subject=f"Ticket {number}", status="closed", organization_id=organization.id,
                         created_at=OPENED, updated_at=NOW, closed_at=OPENED + timedelta(hours=closed)))
            await s.flush()
            s.add_all([TicketEvent(ticket_id=number, kind="answered", at=OPENED + timedelta(hours=answered)),
                       TicketEvent(ticket_id=number, kind="closed", at=OPENED + timedelta(hours=closed)),
                       TimeEntry(ticket_id=number, minutes=30, recorded_at=OPENED + timedelta(hours=closed))])
    async with sessions.begin() as s:
        made = await reports.make(s, CONFIG, EN, await reports.organization_of(s, "example.com"), "2026-10", NOW)
        pdf = made.report.pdf
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Tickets with SLA targets 2" in text
    assert "First response met 1 · missed 1 · still open 0" in text  # the contract's 1 h, not the desk's 4 h
    assert "Resolution met 1 · missed 1 · still open 0" in text  # the desk's 3 d: 100 h is past it
