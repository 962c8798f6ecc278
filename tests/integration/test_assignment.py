"""dispatch/assignment.py on SQLite and PostgreSQL: place() in round-robin, least-loaded and manual departments,
availability, the audit events, and tickets entering a department at the same moment from separate sessions
(separate engines: two instances of the service)."""
from __future__ import annotations

import asyncio

import pytest
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text

from deskbot.dispatch import assignment
from deskbot.dispatch.config import Config
from deskbot.storage.db import create_engine, session_factory
from deskbot.storage.models import Department, Staff, Ticket, TicketEvent
from harness.databases import drop_pg_database, sessions_with_staff

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # Monday, 12:00 in Moscow
ANN, BOB, CAT, NIK = 11, 12, 13, 14  # Telegram ids


def desk(support: dict | None = None, **people: dict) -> Config:
    staff = {ANN: "Ann", BOB: "Bob", CAT: "Cat"}
    return Config.model_validate({
        "mailbox": {"host": "imap.test", "username": "support@desk.test"},
        "dispatch": {"timezone": "Europe/Moscow"},
        "calendars": {"night": {"weekdays": "22:00-06:00"}},
        "departments": [{"key": "support", "name": "Support", "assign": "round_robin", **(support or {})},
                        {"key": "network", "name": "Network"}],
        "staff": [{"name": name, "telegram_id": tid, "departments": ["support"], **people.get(name, {})}
                  for tid, name in staff.items()] + [{"name": "Nik", "telegram_id": NIK, "departments": ["network"]}],
    })


async def new_tickets(sessions, *numbers: int) -> None:
    async with sessions.begin() as s:
        s.add_all(Ticket(id=n, subject=f"ticket {n}", status="new", created_at=NOW, updated_at=NOW,
                         next_nag_at=NOW + timedelta(minutes=5)) for n in numbers)


async def department(sessions, key: str = "support") -> int:
    async with sessions() as s:
        return await s.scalar(select(Department.id).where(Department.key == key))


async def place(sessions, config, number: int, key: str = "support", now: datetime = NOW):
    department_id = await department(sessions, key)
    async with sessions.begin() as s:
        placed = await assignment.place(s, config, number, department_id, now)
        return placed.assignee.name if placed.assignee else None, placed.reason


async def assignees(sessions) -> dict[int, str | None]:
    async with sessions() as s:
        rows = await s.execute(select(Ticket.id, Staff.name).outerjoin(Staff, Staff.id == Ticket.assignee_id))
        return dict(rows.all())


async def events(sessions, number: int) -> list[tuple[str, str]]:
    async with sessions() as s:
        rows = await s.execute(select(TicketEvent.kind, TicketEvent.detail).where(TicketEvent.ticket_id == number)
                               .order_by(TicketEvent.id))
        return list(rows.all())


async def test_round_robin_in_turn_with_the_reason_in_the_audit_log(engine):
    config = desk()
    sessions = await sessions_with_staff(engine, config)
    await new_tickets(sessions, 1, 2, 3, 4)
    assert [await place(sessions, config, n) for n in (1, 2, 3, 4)] == [
        ("Ann", "round robin"), ("Bob", "round robin"), ("Cat", "round robin"), ("Ann", "round robin")]
    assert await events(sessions, 2) == [("auto_assigned", "to Bob in Support: round robin")]
    async with sessions() as s:
        ticket = await s.get(Ticket, 2)
    assert (ticket.status, ticket.assigned_how, ticket.next_nag_at, ticket.tell_assignee_at, ticket.take_by) == (
        "assigned", "round_robin", None, NOW, None)  # the bot's sweep tells Bob; no take_within here
    assert ticket.department_id == await department(sessions)


async def test_least_loaded_with_a_cap_then_nobody(engine):
    config = desk({"assign": "least_loaded", "max_open": 2})
    sessions = await sessions_with_staff(engine, config)
    async with sessions.begin() as s:  # Ann has two open tickets already, Bob one; a closed one does not count
        ids = {p.name: p.id for p in await s.scalars(select(Staff))}
        for number, who, status in [(90, "Ann", "in_progress"), (91, "Ann", "waiting"), (92, "Bob", "assigned"),
                                    (93, "Cat", "closed")]:
            s.add(Ticket(id=number, status=status, assignee_id=ids[who], created_at=NOW, updated_at=NOW))
    await new_tickets(sessions, 1, 2, 3, 4)
    assert await place(sessions, config, 1) == ("Cat", "fewest open tickets (0)")
    assert await place(sessions, config, 2) == ("Bob", "fewest open tickets (1)")  # Bob and Cat: Bob's turn
    assert await place(sessions, config, 3) == ("Cat", "fewest open tickets (1)")
    reason = "nobody available: Ann has 2 open (cap 2), Bob has 2 open (cap 2), Cat has 2 open (cap 2)"
    assert await place(sessions, config, 4) == (None, reason)
    async with sessions() as s:
        ticket = await s.get(Ticket, 4)
    # It stays with the dispatcher, in the department, and its reminders go on.
    assert (ticket.status, ticket.assignee_id, ticket.next_nag_at) == ("new", None, NOW + timedelta(minutes=5))
    assert ticket.department_id == await department(sessions)
    assert await events(sessions, 4) == [("not_auto_assigned", f"in Support: {reason}")]


async def test_away_on_leave_and_outside_hours_are_skipped(engine):
    config = desk(Ann={"leave": ["2026-03-01..2026-03-03"]}, Bob={"hours": "night"})
    sessions = await sessions_with_staff(engine, config)
    async with sessions.begin() as s:
        cat = await s.scalar(select(Staff).where(Staff.telegram_id == CAT))
        cat.away_since, cat.away_until = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
    await new_tickets(sessions, 1, 2, 3)
    assert await place(sessions, config, 1) == (
        None, "nobody available: Ann on leave, Bob outside working hours, Cat away")
    assert await place(sessions, config, 2, now=NOW + timedelta(hours=1)) == ("Cat", "round robin")  # Cat is back
    night = datetime(2026, 3, 4, 20, 0, tzinfo=timezone.utc)  # Wednesday 23:00 in Moscow: Bob's hours, Ann's leave over
    assert await place(sessions, config, 3, now=night) == ("Ann", "round robin")


async def test_a_manual_department_only_takes_the_ticket_in(engine):
    config = desk()
    sessions = await sessions_with_staff(engine, config)
    await new_tickets(sessions, 1)
    assert await place(sessions, config, 1, "network") == (None, "")
    async with sessions() as s:
        ticket = await s.get(Ticket, 1)
    assert (ticket.status, ticket.department_id) == ("new", await department(sessions, "network"))
    assert await events(sessions, 1) == []


async def test_a_ticket_no_longer_waiting_is_left_alone(engine):
    config = desk()
    sessions = await sessions_with_staff(engine, config)
    await new_tickets(sessions, 1)
    await place(sessions, config, 1)
    assert await place(sessions, config, 1) == (None, "")
    assert (await assignees(sessions))[1] == "Ann"


async def test_tickets_entering_at_once_from_two_instances_go_to_different_people(engine):
    """Six tickets, three people, two engines (two instances of the service), all transactions open together:
    round robin gives each person two, never one ticket to the same person twice in a row."""
    config = desk()
    sessions = await sessions_with_staff(engine, config)
    other = create_engine(engine.url.render_as_string(hide_password=False))
    try:
        factories = [sessions, session_factory(other)]
        numbers = list(range(1, 7))
        await new_tickets(sessions, *numbers)
        support = await department(sessions)
        opened = asyncio.Barrier(len(numbers))

        async def enter(number: int) -> None:
            async with factories[number % 2].begin() as s:
                await s.get(Ticket, number)  # each transaction has read before any places
                await opened.wait()
                await assignment.place(s, config, number, support, NOW)

        await asyncio.gather(*(enter(n) for n in numbers))
    finally:
        await other.dispose()
    got = await assignees(sessions)
    assert sorted(got.values()) == ["Ann", "Ann", "Bob", "Bob", "Cat", "Cat"]
    order = [got[n] for n in await _by_assignment(sessions)]
    assert all(a != b for a, b in zip(order, order[1:]))


async def test_a_cap_holds_under_concurrent_tickets(engine):
    config = desk({"assign": "least_loaded", "max_open": 1})
    sessions = await sessions_with_staff(engine, config)
    numbers = list(range(1, 6))
    await new_tickets(sessions, *numbers)
    support = await department(sessions)
    opened = asyncio.Barrier(len(numbers))

    async def enter(number: int) -> None:
        async with sessions.begin() as s:
            await s.get(Ticket, number)
            await opened.wait()
            await assignment.place(s, config, number, support, NOW)

    await asyncio.gather(*(enter(n) for n in numbers))
    got = await assignees(sessions)
    assert sorted(name for name in got.values() if name) == ["Ann", "Bob", "Cat"]
    assert sum(name is None for name in got.values()) == 2


async def _by_assignment(sessions) -> list[int]:
    async with sessions() as s:
        return list(await s.scalars(select(TicketEvent.ticket_id).where(TicketEvent.kind == "auto_assigned")
                                    .order_by(TicketEvent.id)))


@pytest.fixture
async def pg_engine_with_desk(migrated_templates):
    url = await migrated_templates.pg_copy()
    engine = create_engine(url)
    try:
        config = desk()
        yield await sessions_with_staff(engine, config), config
    finally:
        await engine.dispose()
        await drop_pg_database(url.rpartition("/")[2])


@pytest.mark.postgres
async def test_postgresql_a_second_chooser_waits_for_the_first_commit(pg_engine_with_desk):
    """PostgreSQL: while one transaction has placed a ticket and not committed, another placing a ticket
    in the same department waits on the department's row, then sees the first choice."""
    sessions, config = pg_engine_with_desk
    await new_tickets(sessions, 1, 2)
    support = await department(sessions)
    async with sessions.begin() as first:
        assert (await assignment.place(first, config, 1, support, NOW)).assignee.name == "Ann"
        second = asyncio.ensure_future(place(sessions, config, 2))
        async with sessions() as watcher:
            for _ in range(3000):  # up to 30 s (a loaded machine) for the second to be seen waiting on a lock
                waiting = await watcher.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"))
                await watcher.rollback()  # pg_stat_activity is read once per transaction: a new one sees anew
                if waiting or second.done():
                    break
                await asyncio.sleep(0.01)
        assert waiting == 1 and not second.done()
    assert await asyncio.wait_for(second, 10) == ("Bob", "round robin")


async def test_the_web_forms_route_assigns_in_an_automatic_department(engine):
    from deskbot.dispatch import web_form

    config = desk()
    sessions = await sessions_with_staff(engine, config)
    await new_tickets(sessions, 1, 2)
    async with sessions.begin() as s:
        assert await web_form.route(s, 1, "support", NOW, config)
        assert await web_form.route(s, 2, "support", NOW)  # without the config: only routed, as before
    got = await assignees(sessions)
    assert (got[1], got[2]) == ("Ann", None)
    assert [kind for kind, _ in await events(sessions, 1)] == ["routed", "auto_assigned"]


async def test_the_wait_for_an_automatic_assignment_is_counted_once_committed(engine):
    from prometheus_client import REGISTRY

    def counted() -> tuple[float, float]:
        labels = {"how": "automatic"}
        return (REGISTRY.get_sample_value("deskbot_time_to_assignment_seconds_count", labels) or 0,
                REGISTRY.get_sample_value("deskbot_time_to_assignment_seconds_sum", labels) or 0)

    config = desk()
    sessions = await sessions_with_staff(engine, config)
    await new_tickets(sessions, 1)
    before = counted()
    with pytest.raises(RuntimeError):
        async with sessions.begin() as s:  # placed, then the transaction fails: nothing happened, nothing counted
            await assignment.place(s, config, 1, await department(sessions), NOW + timedelta(seconds=90))
            raise RuntimeError("the commit never comes")
    assert counted() == before
    assert await place(sessions, config, 1, now=NOW + timedelta(seconds=90)) == ("Ann", "round robin")
    assert (counted()[0] - before[0], counted()[1] - before[1]) == (1, 90)
