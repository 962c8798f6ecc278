"""/away and /back: a person's own word that nothing should be assigned to them automatically for now.

Kept on the staff row (the config's sync leaves it alone), so a restart forgets nothing; an away
with an end is over by itself at that moment (`assignment_rules.is_away`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.assignment_rules import is_away
from deskbot.storage.models import Staff


async def go_away(session: AsyncSession, person: Staff, until: datetime | None, now: datetime) -> None:
    person.away_since, person.away_until = now, until
    await session.flush()


async def come_back(session: AsyncSession, person: Staff, now: datetime) -> bool:
    """False when they were not away."""
    was = is_away(now, person.away_since, person.away_until)
    person.away_since = person.away_until = None
    await session.flush()
    return was


async def away_now(session: AsyncSession, now: datetime) -> list[Staff]:
    """The active people away at `now`, by name."""
    rows = await session.scalars(select(Staff).where(
        Staff.active.is_(True), Staff.away_since.is_not(None),
        or_(Staff.away_until.is_(None), Staff.away_until > now)).order_by(Staff.name, Staff.id))
    return list(rows)
