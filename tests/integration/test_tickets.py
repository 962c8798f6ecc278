"""Assign, take, reassign, close: rules checked against the database, races won exactly once."""
import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from deskbot.dispatch import tickets
from deskbot.dispatch.tickets import Refused
from deskbot.storage.db import session_factory
from deskbot.storage.models import Department, Staff, Ticket, TicketEvent, TimeEntry

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
NAG = timedelta(minutes=5)


@pytest.fixture
async def desk(engine):
    sessions = session_factory(engine)
    async with sessions.begin() as s:
        s.add_all([
            Staff(id=1, telegram_id=1001, name="Dina Dispatcher", roles="dispatcher"),
            Staff(id=2, telegram_id=1002, name="Sam Specialist", roles="specialist"),
            Staff(id=3, telegram_id=1003, name="Pat Specialist", roles="specialist"),
            Staff(id=4, telegram_id=1004, name="Dan Dispatcher", roles="dispatcher,specialist"),
            Ticket(id=1, subject="Printer", status="new", created_at=NOW, updated_at=NOW, next_nag_at=NOW + NAG),
        ])
    return sessions


async def staff(s, staff_id):
    return await s.get(Staff, staff_id)


async def test_dispatcher_assigns_and_nags_stop(desk):
    async with desk.begin() as s:
        done = await tickets.assign(s, 1, await staff(s, 1), 2, NOW)
        assert (done.assignee.name, done.ticket.status) == ("Sam Specialist", "assigned")
    async with desk() as s:
        t = await s.get(Ticket, 1)
        assert (t.assignee_id, t.assigned_by_id, t.assigned_at, t.next_nag_at) == (2, 1, NOW, None)
        assert await s.scalar(select(TicketEvent.kind)) == "assigned"


async def test_the_department_picked_is_recorded(desk):
    async with desk.begin() as s:
        s.add(Department(id=7, key="network", name="Network"))
    async with desk.begin() as s:
        await tickets.assign(s, 1, await staff(s, 1), 2, NOW, department_id=7)
    async with desk() as s:
        assert (await s.get(Ticket, 1)).department_id == 7


async def test_only_a_dispatcher_assigns(desk):
    async with desk.begin() as s:
        with pytest.raises(Refused) as refused:
            await tickets.assign(s, 1, await staff(s, 2), 3, NOW)
    assert refused.value.key == "alert-dispatcher-only"
    async with desk() as s:
        assert (await s.get(Ticket, 1)).status == "new"


async def test_two_dispatchers_at_once_assign_exactly_once(desk):
    async def press(dispatcher_id, assignee_id):
        async with desk.begin() as s:
            return await tickets.assign(s, 1, await staff(s, dispatcher_id), assignee_id, NOW)

    results = await asyncio.gather(press(1, 2), press(4, 3), return_exceptions=True)
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Refused)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].key == "alert-already-assigned"
    assert losses[0].args_for_text == {"who": wins[0].actor.name, "whom": wins[0].assignee.name}
    async with desk() as s:
        assert await s.scalar(select(func.count()).select_from(TicketEvent)) == 1


async def test_take_then_close_with_time(desk):
    async with desk.begin() as s:
        await tickets.assign(s, 1, await staff(s, 1), 2, NOW)
    async with desk.begin() as s:
        with pytest.raises(Refused, match="alert-assignee-only"):
            await tickets.take(s, 1, await staff(s, 3), NOW)
        await tickets.take(s, 1, await staff(s, 2), NOW)
    async with desk.begin() as s:
        done = await tickets.close(s, 1, await staff(s, 2), 90, False, NOW + timedelta(hours=1))
        assert done.ticket.status == "closed"
    async with desk() as s:
        t = await s.get(Ticket, 1)
        assert (t.time_spent_minutes, t.no_charge, t.closed_at) == (90, False, NOW + timedelta(hours=1))
        entry = await s.scalar(select(TimeEntry))
        assert (entry.minutes, entry.staff_id) == (90, 2)
        with pytest.raises(Refused, match="alert-already-closed"):
            await tickets.check_closable(s, 1, await staff(s, 2))


async def test_close_needs_a_time_or_no_charge(desk):
    async with desk.begin() as s:
        await tickets.assign(s, 1, await staff(s, 1), 2, NOW)
    async with desk.begin() as s:
        with pytest.raises(Refused):
            await tickets.close(s, 1, await staff(s, 2), 0, False, NOW)
    async with desk.begin() as s:
        done = await tickets.close(s, 1, await staff(s, 1), 0, True, NOW)
        assert done.ticket.no_charge


async def test_a_stranger_to_the_ticket_cannot_close_or_reassign(desk):
    async with desk.begin() as s:
        await tickets.assign(s, 1, await staff(s, 1), 2, NOW)
    async with desk.begin() as s:
        for attempt in (tickets.check_closable(s, 1, await staff(s, 3)), tickets.reassign(s, 1, await staff(s, 3), NOW, NAG)):
            with pytest.raises(Refused, match="alert-assignee-only"):
                await attempt


async def test_reassign_sends_it_back_and_it_nags_again(desk):
    async with desk.begin() as s:
        await tickets.assign(s, 1, await staff(s, 1), 2, NOW)
    async with desk.begin() as s:
        await tickets.reassign(s, 1, await staff(s, 2), NOW, NAG)
    async with desk() as s:
        t = await s.get(Ticket, 1)
        assert (t.status, t.assignee_id, t.next_nag_at) == ("new", None, NOW + NAG)


async def test_unknown_ticket(desk):
    async with desk.begin() as s:
        with pytest.raises(Refused) as refused:
            await tickets.assign(s, 404, await staff(s, 1), 2, NOW)
    assert (refused.value.key, refused.value.args_for_text) == ("alert-ticket-not-found", {"number": 404})


async def test_two_presses_of_close_record_the_time_once(desk):
    async with desk.begin() as s:
        await tickets.assign(s, 1, await staff(s, 1), 2, NOW)

    async def press():
        async with desk.begin() as s:
            return await tickets.close(s, 1, await staff(s, 2), 60, False, NOW)

    results = await asyncio.gather(press(), press(), return_exceptions=True)
    assert sum(isinstance(r, Refused) for r in results) == 1, results
    async with desk() as s:
        assert await s.scalar(select(func.count()).select_from(TimeEntry)) == 1
        assert (await s.get(Ticket, 1)).time_spent_minutes == 60
