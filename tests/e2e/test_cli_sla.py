"""SLA from the shell: a contract's calendar and targets, checked against the config, and the figures in
`deskbot tickets --json`."""
import asyncio
import json
from datetime import datetime, timedelta, timezone

from deskbot.storage.db import create_engine, session_factory
from deskbot.storage.models import Organization, Ticket, TicketEvent
from harness.service_run import deskbot

CONFIG = """
[database]
url = "sqlite+aiosqlite:///{db}"
[mailbox]
mode = "pipe"
[dispatch]
timezone = "Europe/Moscow"
[calendars.night]
weekdays = "22:00-06:00"
[sla]
first_response = "4h"
resolution = "27h"
"""


async def seed(url: str) -> None:
    engine = create_engine(url)
    now = datetime.now(timezone.utc)
    try:
        async with session_factory(engine).begin() as s:
            organization = await s.get(Organization, 1)
            s.add(Ticket(id=1, subject="Printer", status="new", organization_id=organization.id,
                         created_at=now - timedelta(minutes=30), updated_at=now))
            s.add(Ticket(id=2, subject="Answered", status="in_progress", created_at=now - timedelta(minutes=30),
                         updated_at=now))
            await s.flush()
            s.add(TicketEvent(ticket_id=2, kind="answered", at=now - timedelta(minutes=20)))
    finally:
        await engine.dispose()


def test_contract_sla_terms_and_ticket_figures(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(db=tmp_path / "desk.sqlite3"))
    run = lambda *args: deskbot(*args, "-c", str(config), cwd=tmp_path)  # noqa: E731
    assert run("db", "upgrade").returncode == 0
    unknown = run("contracts", "add", "--org", "example.com", "--number", "S-1", "--start", "2026-01-01",
                  "--calendar", "weekend")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "deskbot: calendar: 'weekend' is not in the config's [calendars] (known: night)"
    added = run("contracts", "add", "--org", "example.com", "--number", "S-1", "--start", "2026-01-01",
                "--calendar", "night", "--first-response", "1h 30m", "--resolution", "off")
    assert added.returncode == 0, added.stderr
    bad = run("contracts", "edit", "--org", "example.com", "--first-response", "soon")
    assert bad.returncode == 1 and "first_response: use business time such as 4h" in bad.stderr
    [listed] = [json.loads(line) for line in run("contracts", "list", "--json").stdout.splitlines()]
    assert (listed["calendar"], listed["first_response"], listed["resolution"]) == ("night", "1h 30m", "off")

    asyncio.run(seed(f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"))
    rows = {row["number"]: row for row in map(json.loads, run("tickets", "--json").stdout.splitlines())}
    contract = rows[1]["sla"]
    assert set(contract) == {"first_response"}  # the contract has no resolution target
    assert contract["first_response"]["target_minutes"] == 90 and contract["first_response"]["state"] in (
        "running", "warning", "breached")
    desk = rows[2]["sla"]  # no organization: the desk's targets, round the clock
    assert desk["first_response"]["state"] == "met" and desk["first_response"]["elapsed_minutes"] == 10
    assert desk["resolution"]["target_minutes"] == 27 * 60 and desk["resolution"]["state"] == "running"
    assert desk["resolution"]["due"] is not None
