"""Departments and staff follow the config, on both databases; nothing is ever deleted."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from deskbot.dispatch.config import Config, ConfigError, load_config
from deskbot.dispatch.staff import sync_staff
from deskbot.storage.db import session_factory
from deskbot.storage.models import Department, Staff, StaffDepartment

MAILBOX = {"host": "imap.example.test", "username": "support@example.test"}
DANA, OLEG, IRA = 1001, 1002, 1003


def config(departments: list[tuple[str, str]], staff: list[tuple[str, int, list[str], list[str]]]) -> Config:
    return Config.model_validate({
        "mailbox": MAILBOX,
        "departments": [{"key": key, "name": name} for key, name in departments],
        "staff": [{"name": name, "telegram_id": tid, "departments": deps, "roles": roles}
                  for name, tid, deps, roles in staff],
    })


FIRST = config(
    [("support", "Support"), ("network", "Network")],
    [("Dana", DANA, ["support"], ["dispatcher", "specialist"]), ("Oleg", OLEG, ["support", "network"], ["specialist"])],
)


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


async def sync(sessions, cfg: Config) -> None:
    async with sessions.begin() as session:
        await sync_staff(session, cfg)


async def state(sessions):
    """(departments, staff, memberships) as plain values, for comparing whole tables."""
    async with sessions() as session:
        departments = {d.key: (d.id, d.name, d.position, d.active) for d in await session.scalars(select(Department))}
        staff = {s.telegram_id: (s.id, s.name, s.roles, s.active) for s in await session.scalars(select(Staff))}
        links = (await session.execute(select(StaffDepartment.staff_id, StaffDepartment.department_id))).all()
    key_of = {ident: key for key, (ident, *_rest) in departments.items()}
    person_of = {ident: tid for tid, (ident, *_rest) in staff.items()}
    return departments, staff, {(person_of[s], key_of[d]) for s, d in links}


async def test_first_sync_writes_the_config(sessions):
    await sync(sessions, FIRST)
    departments, staff, links = await state(sessions)
    assert {k: v[1:] for k, v in departments.items()} == {
        "support": ("Support", 0, True), "network": ("Network", 1, True)}
    assert {k: v[1:] for k, v in staff.items()} == {
        DANA: ("Dana", "dispatcher,specialist", True), OLEG: ("Oleg", "specialist", True)}
    assert links == {(DANA, "support"), (OLEG, "support"), (OLEG, "network")}
    await sync(sessions, FIRST)  # a restart with the same config changes nothing
    assert await state(sessions) == (departments, staff, links)


async def test_renames_reorders_and_role_changes_keep_the_rows(sessions):
    await sync(sessions, FIRST)
    before, people, _ = await state(sessions)
    await sync(sessions, config(
        [("network", "Networks & VPN"), ("support", "Helpdesk")],
        [("Dana K.", DANA, ["network"], ["dispatcher"]), ("Oleg", OLEG, ["support", "network"], ["specialist"])],
    ))
    departments, staff, links = await state(sessions)
    assert departments == {"network": (before["network"][0], "Networks & VPN", 0, True),
                           "support": (before["support"][0], "Helpdesk", 1, True)}
    assert staff[DANA] == (people[DANA][0], "Dana K.", "dispatcher", True)
    assert links == {(DANA, "network"), (OLEG, "support"), (OLEG, "network")}


async def test_what_left_the_config_turns_inactive_and_comes_back(sessions):
    await sync(sessions, FIRST)
    before, people, _ = await state(sessions)
    await sync(sessions, config([("support", "Support")], [("Dana", DANA, ["support"], ["dispatcher"])]))
    departments, staff, links = await state(sessions)
    assert departments["network"] == (before["network"][0], "Network", 1, False)  # kept: history names it
    assert staff[OLEG] == (people[OLEG][0], "Oleg", "specialist", False)
    assert links == {(DANA, "support"), (OLEG, "support"), (OLEG, "network")}  # an inactive one's, as last known

    await sync(sessions, config(
        [("support", "Support"), ("network", "Network"), ("field", "Field service")],
        [("Dana", DANA, ["support"], ["dispatcher"]), ("Oleg", OLEG, ["field"], ["specialist"]),
         ("Ira", IRA, [], ["manager"])],
    ))
    departments, staff, links = await state(sessions)
    assert departments["network"] == (before["network"][0], "Network", 1, True)  # the same row, active again
    assert departments["field"][1:] == ("Field service", 2, True)
    assert staff[OLEG] == (people[OLEG][0], "Oleg", "specialist", True)
    assert staff[IRA][1:] == ("Ira", "manager", True)
    assert links == {(DANA, "support"), (OLEG, "field")}


async def test_an_unknown_department_is_refused_before_anything_is_written(sessions):
    broken = Config.model_construct(**{**FIRST.__dict__, "staff": [
        *FIRST.staff, FIRST.staff[0].model_copy(update={"telegram_id": IRA, "departments": ["netwrk"]})]})
    with pytest.raises(ConfigError, match=r"\[\[staff\]\] #3 departments: unknown department 'netwrk'"):
        await sync(sessions, broken)
    assert await state(sessions) == ({}, {}, set())


@pytest.mark.parametrize(("extra", "problem"), [
    ('[[departments]]\nkey = "support"\nname = "S"\n'
     '[[staff]]\nname = "A"\ntelegram_id = 1\ndepartments = ["support"]\n'
     '[[staff]]\nname = "B"\ntelegram_id = 2\ndepartments = ["support", "netwrk"]\n',
     "[[staff]] #2 departments: unknown department 'netwrk' (known: support)"),
    ('[[staff]]\nname = "A"\ntelegram_id = 1\ndepartments = ["support"]\n',
     "[[staff]] #1 departments: unknown department 'support' ([[departments]] is empty)"),
    ('[[departments]]\nkey = "support"\nname = "S"\n[[departments]]\nkey = "support"\nname = "T"\n',
     "[[departments]] #2 key: [[departments]] #1 has this key already (got 'support')"),
    ('[[staff]]\nname = "A"\ntelegram_id = 7\n[[staff]]\nname = "B"\ntelegram_id = 7\n',
     "[[staff]] #2 telegram_id: [[staff]] #1 has this telegram_id already (got 7)"),
])
def test_check_config_cross_checks_staff_and_departments(tmp_path, extra, problem):
    path = tmp_path / "config.toml"
    path.write_text(f'[mailbox]\nhost = "h"\nusername = "u"\n{extra}')
    with pytest.raises(ConfigError) as refused:
        load_config(path, environ={})
    assert str(refused.value) == f"{path}: {problem}"
