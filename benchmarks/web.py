"""How fast the customers' cabinet answers on a big desk: the ticket list (plain, by status, by text,
a deep page) and the ticket page, and how much a page weighs.

    .venv/bin/python benchmarks/web.py                      # 1,000,000 tickets in 10,000 organizations, SQLite
    .venv/bin/python benchmarks/web.py --keep /tmp/web.sqlite3   # build once, reuse on the next runs
    .venv/bin/python benchmarks/web.py --db postgresql+asyncpg://postgres@127.0.0.1/deskbot_bench_web [--keep]
    .venv/bin/python benchmarks/web.py --tickets 2000 --orgs 20 --requests 20   # a quick look

The database is made by the product's migrations (its indexes), then filled in bulk: organizations
of Zipf-like sizes (the biggest ~10% of all tickets), a few customers per organization (more in big
ones, one of them the contract's client manager), tickets over three years (old ones closed, recent
ones in every status), one to four messages each. The web face runs in its own process
(`build_app`, on 127.0.0.1); customers log in through its own code form, and the requests go one
at a time, timed from sending to the last byte of the answer.
"""
from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import median, quantiles

import aiohttp
from sqlalchemy.engine import make_url

KEY = bytes(range(32))  # the cookie key of this throwaway desk
START = datetime(2023, 12, 1, tzinfo=timezone.utc)
SPAN = timedelta(days=3 * 365)
WORDS = (["printer", "vpn", "laptop", "mail", "password", "server", "backup", "phone", "wifi", "license",
          "принтер", "почта", "пароль", "сервер", "1С"],
         ["does not work", "is slow", "needs setup", "was moved", "asks for a password", "shows an error",
          "не работает", "тормозит", "выдаёт ошибку"],
         ["in the office", "on the 2nd floor", "for the new hire", "at the warehouse", "since Monday",
          "в бухгалтерии", "в филиале", "после обновления", ""])
RARE = "kyocera"  # in one subject of ~2,000
BODY = ("Good afternoon. {} Could you please have a look today? The people in the office cannot work "
        "without it, and we tried turning it off and on again. ")
STATUSES = ("new", "assigned", "in_progress", "waiting")
KINDS = ("list", "status", "search", "deep page", "ticket")


@dataclass
class Desk:
    """What the benchmark needs to know about the generated data (made again from the seed on reuse)."""

    org_tickets: list[list[int]] = field(default_factory=list)  # per organization, its ticket numbers
    customer_tickets: dict[int, list[int]] = field(default_factory=dict)
    managers: list[tuple[str, list[int]]] = field(default_factory=list)  # per organization: e-mail, what they see
    customers: list[tuple[str, list[int]]] = field(default_factory=list)  # the same for an ordinary customer


def plan(tickets: int, orgs: int, seed: int = 13):
    """Rows, deterministic for (tickets, orgs, seed): organizations, customers, contracts, tickets, messages."""
    rng = random.Random(seed)
    weights = [1 / (i + 1) for i in range(orgs)]
    total = sum(weights)
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    first_customer, people, desk = [], [], Desk([[] for _ in range(orgs)])
    for i in range(orgs):
        expected = tickets * weights[i] / total
        first_customer.append(len(people) + 1)
        for j in range(max(3, min(400, round(expected / 50)))):
            people.append((len(people) + 1, f"user{j}@org{i + 1}.example", f"User {j} of Org {i + 1}", i + 1))
    count = [first_customer[i + 1] - first_customer[i] if i + 1 < orgs else len(people) + 1 - first_customer[i]
             for i in range(orgs)]
    organizations = [(i + 1, f"org{i + 1}.example", f"Org {i + 1}") for i in range(orgs)]
    contracts = [(i + 1, i + 1, f"C-{i + 1}", f"user0@org{i + 1}.example") for i in range(orgs)]
    rows, messages = [], []
    for number in range(1, tickets + 1):
        i = bisect.bisect_left(cum, rng.random() * acc)
        i = min(i, orgs - 1)
        customer = first_customer[i] + int(count[i] * rng.random() ** 2)  # some write far more than others
        opened = START + SPAN * (number / (tickets + 1))
        age = (tickets - number) / tickets
        status = "closed" if age > 0.01 and rng.random() < 0.99 else rng.choice(STATUSES + ("closed",))
        closed = opened + timedelta(minutes=rng.randrange(10, 5000)) if status == "closed" else None
        subject = " ".join(part for part in (rng.choice(WORDS[0]), rng.choice(WORDS[1]), rng.choice(WORDS[2])) if part)
        if rng.random() < 0.0005:
            subject += f" ({RARE} M2040)"
        rows.append((number, subject, status, customer, i + 1, opened, closed or opened,
                     closed, rng.choice((15, 30, 45, 60, 90)) if closed else None))
        desk.org_tickets[i].append(number)
        desk.customer_tickets.setdefault(customer, []).append(number)
        for k in range(1 + (rng.random() < 0.7) + (rng.random() < 0.4) + (rng.random() < 0.2)):
            direction = "in" if k % 2 == 0 else ("note" if rng.random() < 0.2 else "out")
            _, email, name, _ = people[customer - 1] if direction == "in" else (0, "support@desk.example", "Dina", 0)
            messages.append((number, direction, email, name,
                             BODY.format(subject.capitalize()) * rng.randrange(1, 6), opened + timedelta(hours=k)))
    desk.managers = [(f"user0@org{i + 1}.example", desk.org_tickets[i]) for i in range(orgs)]
    desk.customers = [(people[first_customer[i]][1], desk.customer_tickets.get(first_customer[i] + 1, []))
                      for i in range(orgs)]  # the second customer of each: not its manager
    return organizations, people, contracts, rows, messages, desk


# -- the database ------------------------------------------------------------------------------


async def build(url: str, tickets: int, orgs: int, keep: bool) -> Desk:
    """Migrate and fill the database at `url`, or reuse it when it already holds this desk."""
    from deskbot.storage import migrate
    from deskbot.storage.db import create_engine

    sqlite = url.startswith("sqlite")
    if not sqlite:
        await _create_pg_database(url, fresh=not keep)
    engine = create_engine(url)
    began = time.perf_counter()
    await migrate.upgrade(engine)  # on a kept database too: a new migration's indexes are built here
    async with engine.connect() as conn:
        have = (await conn.exec_driver_sql("SELECT count(*) FROM tickets")).scalar()
    await engine.dispose()
    print(f"migrated in {time.perf_counter() - began:.1f} s", flush=True)
    began = time.perf_counter()
    organizations, people, contracts, rows, messages, desk = plan(tickets, orgs)
    print(f"planned {len(rows):,} tickets, {len(messages):,} messages, {len(people):,} customers "
          f"in {time.perf_counter() - began:.1f} s", flush=True)
    if have == tickets:
        print("reusing the database as it is", flush=True)
        engine = create_engine(url)
        async with engine.begin() as conn:  # the codes of earlier runs would count against the log-in limits
            await conn.exec_driver_sql("DELETE FROM web_login_codes")
        await engine.dispose()
        return desk
    if have:
        raise SystemExit(f"the database holds {have} tickets, not {tickets}: remove it first")
    began = time.perf_counter()
    load = _load_sqlite if sqlite else _load_pg
    await load(url, organizations, people, contracts, rows, messages)
    print(f"loaded in {time.perf_counter() - began:.1f} s", flush=True)
    return desk


def _stamp(at: datetime | None) -> str | None:
    return None if at is None else at.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DATETIME


async def _load_sqlite(url, organizations, people, contracts, rows, messages) -> None:
    path = make_url(url).database
    created = _stamp(START)
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("BEGIN")
    db.executemany("INSERT INTO organizations (id, domain, name, created_at) VALUES (?, ?, ?, ?)",
                   [(*o, created) for o in organizations])
    db.executemany("INSERT INTO customers (id, email, name, organization_id, created_at) VALUES (?, ?, ?, ?, ?)",
                   [(*p, created) for p in people])
    db.executemany("INSERT INTO contracts (id, organization_id, number, client_manager, starts_on, currency, "
                   "monthly_fee_minor, bonus_minutes, hourly_rate_minor, overage_rate_minor, recipients, created_at, "
                   "updated_at) VALUES (?, ?, ?, ?, '2024-01-01', 'RUB', 0, 0, 0, 0, '', ?, ?)",
                   [(*c, created, created) for c in contracts])
    db.execute("COMMIT")
    for chunk in range(0, len(rows), 100_000):
        db.execute("BEGIN")
        db.executemany("INSERT INTO tickets (id, subject, status, customer_id, organization_id, created_at, "
                       "updated_at, closed_at, time_spent_minutes, no_charge) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                       ((n, s, st, c, o, _stamp(a), _stamp(u), _stamp(cl), m)
                        for n, s, st, c, o, a, u, cl, m in rows[chunk:chunk + 100_000]))
        db.execute("COMMIT")
    for chunk in range(0, len(messages), 200_000):
        db.execute("BEGIN")
        db.executemany("INSERT INTO messages (ticket_id, direction, sender_email, sender_name, subject, body, "
                       "created_at, forwarded_at) VALUES (?, ?, ?, ?, '', ?, ?, ?)",
                       ((t, d, e, n, b, _stamp(a), _stamp(a)) for t, d, e, n, b, a in messages[chunk:chunk + 200_000]))
        db.execute("COMMIT")
    db.close()


def _pg_dsn(url: str, database: str | None = None) -> str:
    parts = make_url(url).set(drivername="postgresql")
    if database:
        parts = parts.set(database=database)
    return parts.render_as_string(hide_password=False)


async def _create_pg_database(url: str, fresh: bool) -> None:
    import asyncpg

    name = make_url(url).database
    conn = await asyncpg.connect(_pg_dsn(url, "postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and fresh:
            await conn.execute(f'DROP DATABASE "{name}"')
        if fresh or not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_pg_database(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_pg_dsn(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}"')
    finally:
        await conn.close()


async def _load_pg(url, organizations, people, contracts, rows, messages) -> None:
    import asyncpg

    naive = START.replace(tzinfo=None)
    conn = await asyncpg.connect(_pg_dsn(url))
    try:
        await conn.copy_records_to_table("organizations", columns=["id", "domain", "name", "created_at"],
                                         records=[(*o, naive) for o in organizations])
        await conn.copy_records_to_table("customers", columns=["id", "email", "name", "organization_id", "created_at"],
                                         records=[(*p, naive) for p in people])
        await conn.copy_records_to_table(
            "contracts", columns=["id", "organization_id", "number", "client_manager", "starts_on", "currency",
                                  "monthly_fee_minor", "bonus_minutes", "hourly_rate_minor", "overage_rate_minor",
                                  "recipients", "created_at", "updated_at"],
            records=[(*c, naive.date(), "RUB", 0, 0, 0, 0, "", naive, naive) for c in contracts])

        def bare(at):
            return None if at is None else at.replace(tzinfo=None)

        await conn.copy_records_to_table(
            "tickets", columns=["id", "subject", "status", "customer_id", "organization_id", "created_at", "updated_at",
                                "closed_at", "time_spent_minutes", "no_charge"],
            records=[(n, s, st, c, o, bare(a), bare(u), bare(cl), m, False) for n, s, st, c, o, a, u, cl, m in rows])
        await conn.copy_records_to_table(
            "messages", columns=["ticket_id", "direction", "sender_email", "sender_name", "subject", "body",
                                 "created_at", "forwarded_at"],
            records=[(t, d, e, n, "", b, bare(a), bare(a)) for t, d, e, n, b, a in messages])
        for table in ("organizations", "customers", "contracts", "tickets", "messages"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        await conn.execute("VACUUM ANALYZE")  # what autovacuum does soon after such a load
    finally:
        await conn.close()


# -- the web face, in its own process ------------------------------------------------------------


def serve(url: str, port: int) -> None:
    """The child process: the real app on 127.0.0.1:port until killed."""
    from deskbot.dispatch.clock import SystemClock
    from deskbot.storage.db import create_engine, session_factory
    from deskbot.web.app import build_app, serving

    async def run() -> None:
        engine = create_engine(url)
        app = build_app(_config(), session_factory(engine), SystemClock(), KEY)
        async with serving(app, f"127.0.0.1:{port}"):
            print("ready", flush=True)
            await asyncio.Event().wait()

    asyncio.run(run())


def _config():
    from deskbot.dispatch.config import Config

    return Config.model_validate({"mailbox": {"host": "imap.test", "username": "support@desk.example"},
                                  "web": {"listen": "127.0.0.1:8080", "customers": "contract"},
                                  "telegram": {"language": "en"}})


async def _get(viewer: Viewer, url: str) -> float:
    """Milliseconds from sending the request to the last byte of a 200 answer."""
    began = time.perf_counter()
    async with viewer.http.get(url, allow_redirects=False) as response:
        await response.read()
    assert response.status == 200, (url, response.status)
    return (time.perf_counter() - began) * 1000


async def _cpu(pid: int, url: str) -> float:
    """Seconds of CPU used so far by the web face's process and, on PostgreSQL, the backends serving it."""
    pids = [pid]
    if not url.startswith("sqlite"):
        import asyncpg

        conn = await asyncpg.connect(_pg_dsn(url))
        try:
            pids += [row[0] for row in await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'")]  # not autovacuum's
        finally:
            await conn.close()
    total = 0.0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def log_in(http: aiohttp.ClientSession, base: str, url: str, email: str, client: str) -> None:
    """As a person does, with the code the mail would carry (asked for here, the mail itself is not sent)."""
    from deskbot.dispatch import web_access
    from deskbot.dispatch.clock import SystemClock
    from deskbot.storage.db import create_engine, session_factory

    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as db:
            asked = await web_access.request_code(db, KEY, email, client, "contract", SystemClock().now())
    finally:
        await engine.dispose()
    assert asked.code, f"{email} may not log in"
    async with http.get(f"{base}/login/code", params={"email": email}) as response:
        csrf = re.search(r'name="csrf" value="([^"]+)"', await response.text()).group(1)
    async with http.post(f"{base}/login/code", data={"csrf": csrf, "email": email, "code": asked.code},
                         allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"] == "/tickets", response.status


@dataclass
class Viewer:
    label: str  # "big" (a manager of one of the 3 biggest organizations) or "other"
    http: aiohttp.ClientSession
    tickets: list[int]


def requests_for(viewer: Viewer, rng: random.Random) -> dict[str, str]:
    return {"list": "/tickets", "status": f"/tickets?status={rng.choice(STATUSES + ('closed',))}",
            "search": "/tickets?q=" + rng.choice(["printer", RARE, "не работает", str(rng.choice(viewer.tickets))]),
            "deep page": f"/tickets?page={10**6}",  # past the end: the last page
            "ticket": f"/tickets/{rng.choice(viewer.tickets)}"}


async def measure(url: str, desk: Desk, count: int) -> tuple[dict, dict]:
    port = _free_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready", "the web face did not start"
        base = f"http://127.0.0.1:{port}"
        orgs = len(desk.org_tickets)
        picks = [("big", desk.managers[i]) for i in range(min(3, orgs))]
        picks += [("other", desk.managers[i]) for i in sorted({orgs // 100, orgs // 10, orgs // 2, orgs - 1})]
        picks += [("other", desk.customers[i]) for i in sorted({0, 1, orgs // 10, orgs - 1})]
        viewers, timings = [], {(label, kind): [] for label in ("big", "other") for kind in KINDS}
        for n, (label, (email, mine)) in enumerate(picks):
            if not mine:
                continue
            http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
            await log_in(http, base, url, email, f"10.0.{n // 250}.{n % 250}")
            viewers.append(Viewer(label, http, mine))
        rng = random.Random(5)
        weight = await page_weight(viewers[0], base)
        sequence = [(viewer, requests_for(viewer, rng)) for viewer in (rng.choice(viewers) for _ in range(count + 2))]
        for viewer, paths in sequence[:2]:  # warm the caches up
            for path in paths.values():
                await _get(viewer, base + path)
        cpu = {}
        for kind in KINDS:  # in blocks, so that the CPU time the web face and the database spent is per kind
            for label in ("big", "other"):
                block = [(viewer, paths[kind]) for viewer, paths in sequence[2:] if viewer.label == label]
                before = await _cpu(child.pid, url)
                for viewer, path in block:
                    timings[(label, kind)].append(await _get(viewer, base + path))
                cpu[(label, kind)] = (await _cpu(child.pid, url) - before) / max(1, len(block)) * 1000
        for viewer in viewers:
            await viewer.http.close()
        return timings, weight, cpu
    finally:
        child.terminate()
        child.wait(timeout=30)


async def page_weight(viewer: Viewer, base: str) -> dict[str, int]:
    """Bytes of the list page and of the ticket page with the longest conversation among 50, with what they load."""
    weights = {}
    pages = {"list": "/tickets"}
    longest, most = viewer.tickets[-1], 0
    for number in viewer.tickets[-50:]:
        async with viewer.http.get(f"{base}/tickets/{number}") as response:
            size = len(await response.read())
        if size > most:
            longest, most = number, size
    pages["ticket"] = f"/tickets/{longest}"
    for name, path in pages.items():
        async with viewer.http.get(base + path) as response:
            html = await response.read()
        total = len(html)
        for asset in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
            async with viewer.http.get(base + asset.decode()) as response:
                total += len(await response.read())
        weights[name] = (len(html), total)
    return weights


def report(timings: dict, weight: dict, cpu: dict) -> None:
    print(f"{'request':<12} {'viewers':<7} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU ms':>7}")
    for kind in KINDS:
        for label in ("big", "other", "all"):
            values = (timings[("big", kind)] + timings[("other", kind)] if label == "all"
                      else timings[(label, kind)])
            if len(values) < 2:
                continue
            p95 = quantiles(values, n=20, method="inclusive")[-1]
            used = f"{cpu[(label, kind)]:>7.1f}" if label != "all" else ""
            print(f"{kind:<12} {label:<7} {len(values):>5} {median(values):>8.1f} {p95:>8.1f} {max(values):>8.1f}", used)
    for name, (html, total) in weight.items():
        print(f"page weight, {name}: HTML {html:,} bytes, with CSS and JS {total:,} bytes")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="rounds; each sends every kind of request once")
    parser.add_argument("--db", help="a PostgreSQL URL (its database is made, and dropped unless --keep)")
    parser.add_argument("--keep", nargs="?", const="", metavar="PATH",
                        help="keep the database for the next run (SQLite: at PATH)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            url = args.db
        else:
            path = args.keep or str(Path(tmp) / "web.sqlite3")
            url = f"sqlite+aiosqlite:///{path}"
        try:
            desk = await build(url, args.tickets, args.orgs, keep=args.keep is not None)
            timings, weight, cpu = await measure(url, desk, args.requests)
        finally:
            if args.db and args.keep is None:
                await drop_pg_database(url)
    print(f"{args.tickets:,} tickets in {args.orgs:,} organizations, {url.split(':')[0]}, "
          f"load average {os.getloadavg()[0]:.1f}")
    report(timings, weight, cpu)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        asyncio.run(main())
