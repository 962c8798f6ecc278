"""Departments and staff come from the config; `sync_staff` makes the database match it on start.

Rows are never deleted: a ticket closed last year still names its department and
its assignee, so whatever left the config only turns inactive, and comes back
active (same row, same id) when it is added again.
"""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.dispatch.config import Config, ConfigError
from deskbot.storage.models import Department, Staff, StaffDepartment


async def active_departments(session: AsyncSession) -> list[tuple[int, str]]:
    """(id, name) of the departments to pick from, in config order."""
    rows = await session.execute(select(Department.id, Department.name).where(Department.active.is_(True))
                                 .order_by(Department.position, Department.id))
    return [(department_id, name) for department_id, name in rows]


async def active_department_name(session: AsyncSession, department_id: int) -> str | None:
    """The department's name; None when there is no such department, or it is no longer active."""
    department = await session.get(Department, department_id)
    return department.name if department is not None and department.active else None


async def department_people(session: AsyncSession, department_id: int) -> list[tuple[int, str]]:
    """(id, name) of the department's active people, by name."""
    rows = await session.execute(
        select(Staff.id, Staff.name).join(StaffDepartment, StaffDepartment.staff_id == Staff.id)
        .where(StaffDepartment.department_id == department_id, Staff.active.is_(True))
        .order_by(Staff.name, Staff.id))
    return [(staff_id, name) for staff_id, name in rows]


async def sync_staff(session: AsyncSession, config: Config) -> None:
    """Upsert departments by key and staff by Telegram id, in the caller's transaction."""
    _check_departments(config)
    department_ids = await _sync_departments(session, config)
    staff_ids = await _sync_people(session, config)
    await _sync_memberships(session, config, department_ids, staff_ids)


def _check_departments(config: Config) -> None:
    # Config validation refuses this already; a Config built without validation must not half-sync.
    known = {d.key for d in config.departments}
    for number, member in enumerate(config.staff, 1):
        for key in member.departments:
            if key not in known:
                raise ConfigError(f"{config.path}: [[staff]] #{number} departments: unknown department {key!r}")


async def _sync_departments(session: AsyncSession, config: Config) -> dict[str, int]:
    """key -> id of every department in the config; the others become inactive."""
    rows = {d.key: d for d in await session.scalars(select(Department))}
    wanted = {d.key: (position, d) for position, d in enumerate(config.departments)}
    for key, (position, department) in wanted.items():
        row = rows.get(key)
        if row is None:
            row = rows[key] = Department(key=key)
            session.add(row)
        row.name, row.position, row.active = department.name, position, True
    for key, row in rows.items():
        if key not in wanted:
            row.active = False
    await session.flush()
    return {key: rows[key].id for key in wanted}


async def _sync_people(session: AsyncSession, config: Config) -> dict[int, int]:
    """telegram_id -> staff id of everyone in the config; the others become inactive."""
    rows = {s.telegram_id: s for s in await session.scalars(select(Staff))}
    wanted = {m.telegram_id: m for m in config.staff}
    for telegram_id, member in wanted.items():
        row = rows.get(telegram_id)
        if row is None:
            row = rows[telegram_id] = Staff(telegram_id=telegram_id)
            session.add(row)
        row.name, row.roles, row.active = member.name, ",".join(member.roles), True
    for telegram_id, row in rows.items():
        if telegram_id not in wanted:
            row.active = False
    await session.flush()
    return {telegram_id: rows[telegram_id].id for telegram_id in wanted}


async def _sync_memberships(session: AsyncSession, config: Config, department_ids: dict[str, int],
                            staff_ids: dict[int, int]) -> None:
    """Who is in which department, as the config says, for everyone in it.

    Someone who left the config keeps their last memberships: they are inactive,
    and the lists of people show active staff only.
    """
    wanted = {(staff_ids[m.telegram_id], department_ids[key]) for m in config.staff for key in m.departments}
    current = set((await session.execute(
        select(StaffDepartment.staff_id, StaffDepartment.department_id)
        .where(StaffDepartment.staff_id.in_(staff_ids.values()))
    )).all())
    for staff_id, department_id in current - wanted:
        await session.execute(delete(StaffDepartment).where(
            StaffDepartment.staff_id == staff_id, StaffDepartment.department_id == department_id))
    session.add_all(StaffDepartment(staff_id=s, department_id=d) for s, d in sorted(wanted - current))
    await session.flush()
