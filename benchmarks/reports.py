"""How long a big client's monthly report takes to make, and how much memory: the month's
query and the PDF, as the cron makes it on the 1st.

    .venv/bin/python benchmarks/reports.py                      # 2,000 tickets, SQLite
    .venv/bin/python benchmarks/reports.py -n 5000 --db postgresql+asyncpg://postgres@127.0.0.1/bench

Each ticket has one or two time entries in October 2026 (a reopened ticket closes
twice), one in ten at no charge; subjects and names are half Cyrillic.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import random
import resource
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import insert

from deskbot.bot.render.texts import Texts
from deskbot.dispatch import contracts, reports
from deskbot.dispatch.config import Config
from deskbot.storage import migrate
from deskbot.storage.db import create_engine, session_factory
from deskbot.storage.models import Customer, Ticket, TimeEntry

START = datetime(2026, 10, 1, 6, 0, tzinfo=timezone.utc)
SUBJECTS = ["Не работает VPN в офисе", "Printer on the 2nd floor jams", "Сброс пароля 1С для бухгалтерии",
            "New laptop for the sales team", "Медленный интернет в филиале на Ленина"]


async def seed(sessions, count: int) -> None:
    rng = random.Random(7)
    async with sessions.begin() as s:
        await contracts.save(s, "client.test", {"number": "SUP-1", "start": "2026-01-01", "fee": "150000",
                                                "hours": "400", "overage_rate": "2500"}, START, name="ООО «Клиент»")
        organization = await reports.organization_of(s, "client.test")
        people = [{"email": f"user{i}@client.test", "name": f"Сотрудник {i}" if i % 2 else f"Employee {i}",
                   "organization_id": organization.id, "created_at": START} for i in range(50)]
        await s.execute(insert(Customer.__table__), people)
        tickets, entries = [], []
        for number in range(1, count + 1):
            opened = START + timedelta(minutes=rng.randrange(0, 30 * 24 * 60))
            closed = opened + timedelta(hours=rng.randrange(1, 48))
            tickets.append({"id": number, "subject": f"{rng.choice(SUBJECTS)} #{number}", "status": "closed",
                            "customer_id": rng.randrange(1, 51), "organization_id": organization.id,
                            "created_at": opened, "updated_at": closed, "closed_at": closed, "no_charge": False})
            free = rng.random() < 0.1
            for close in range(1 + (rng.random() < 0.2)):
                entries.append({"ticket_id": number, "minutes": 0 if free else rng.choice([15, 30, 45, 60, 90]),
                                "no_charge": free, "recorded_at": closed + timedelta(minutes=close)})
        await s.execute(insert(Ticket.__table__), tickets)
        await s.execute(insert(TimeEntry.__table__), entries)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000, help="tickets in the month")
    parser.add_argument("--db", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(args.db or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        await seed(sessions, args.n)
        config = Config.model_validate({"mailbox": {"host": "imap.test", "username": "support@desk.test"},
                                        "dispatch": {"timezone": "Europe/Moscow"}})
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        began = time.perf_counter()
        async with sessions.begin() as s:
            made = await reports.make(s, config, Texts("ru"), await reports.organization_of(s, "client.test"),
                                      "2026-10", START + timedelta(days=31))
            pdf = made.report.pdf
        took = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(f"{args.n} tickets: {took:.2f} s, {len(pdf) / 1024:.0f} KB, {pages} pages, "
              f"peak RSS {peak / 1024:.0f} MB (+{(peak - before) / 1024:.0f} MB while making it)")
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
