"""Take-over benchmark: how long after the IMAP poller's leader dies (SIGKILL) the other instance leads
the mailbox and has stored the mail that came meanwhile.

    .venv/bin/python benchmarks/takeover.py [--rounds 5]

Two `deskbot run` processes (no Telegram token: the mailbox alone) on a fresh PostgreSQL database
at 127.0.0.1:5432, a throwaway Dovecot on tmpfs. Each round: the leader is SIGKILLed, a probe mail
is appended at once, and two times are taken from the kill: the survivor's log line "now leads the
IMAP poller" (seen by polling its log every 20 ms) and the probe stored as a ticket (polled in the
database every 20 ms). The killed instance is then started again, as a follower, for the next round.
"""
from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
DOVECOT_DIR = "/dev/shm" if Path("/dev/shm").is_dir() else "/tmp"
sys.path[:0] = [str(ROOT / "tests")]

from harness.databases import PG_URL, POSTGRES, create_pg_database, drop_pg_database  # noqa: E402
from harness.desk import write_config  # noqa: E402
from harness.dovecot import Dovecot  # noqa: E402
from harness.mails import make_mail  # noqa: E402

DESKBOT = Path(sys.executable).parent / "deskbot"
LEADS = "now leads the IMAP poller"
FOLLOWS = "another instance leads the IMAP poller"


class Instance:
    def __init__(self, folder: Path, dovecot: Dovecot, db_url: str) -> None:
        folder.mkdir()
        self.folder, self.log = folder, folder / "deskbot.log"
        self.config = write_config(folder / "config.toml", dovecot, db_url)
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(str(DESKBOT), "run", "-c", str(self.config),
                                                             cwd=self.folder, stdout=out, stderr=out)

    def leads_count(self) -> int:
        return self.log.read_text(errors="replace").count(LEADS) if self.log.exists() else 0

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            await self.proc.wait()


async def until(check, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def main(rounds: int) -> None:
    name = await create_pg_database()
    db = await asyncpg.connect(POSTGRES.rpartition("/")[0] + "/" + name)
    take_over, probe_stored = [], []
    try:
        with tempfile.TemporaryDirectory(prefix="deskbot-takeover-") as tmp, Dovecot(parent=DOVECOT_DIR) as dovecot:
            pair = [Instance(Path(tmp) / n, dovecot, PG_URL.format(name)) for n in ("a", "b")]
            await pair[0].start()
            await until(lambda: _true(pair[0].leads_count() == 1))  # it migrated the database and leads
            await pair[1].start()
            await until(lambda: _true(FOLLOWS in pair[1].log.read_text()))
            try:
                for n in range(rounds):
                    leader, survivor = pair if pair[0].leads_count() > pair[1].leads_count() else pair[::-1]
                    led = survivor.leads_count()
                    dovecot.append(make_mail(f"Before kill {n}"))
                    await until(lambda: _tickets(db, 2 * n + 1))
                    leader.proc.send_signal(signal.SIGKILL)
                    killed = time.monotonic()
                    dovecot.append(make_mail(f"Probe {n}"))
                    await until(lambda: _true(survivor.leads_count() > led))
                    take_over.append(time.monotonic() - killed)
                    await until(lambda: _tickets(db, 2 * n + 2))
                    probe_stored.append(time.monotonic() - killed)
                    print(f"round {n + 1}: leads after {take_over[-1]:.2f} s, probe stored after "
                          f"{probe_stored[-1]:.2f} s", flush=True)
                    await leader.proc.wait()
                    followed = leader.log.read_text().count(FOLLOWS)
                    await leader.start()  # back, as a follower
                    await until(lambda: _true(leader.log.read_text().count(FOLLOWS) > followed))
            finally:
                for instance in pair:
                    await instance.stop()
    finally:
        await db.close()
        await drop_pg_database(name)
    print(f"take-over: median {statistics.median(take_over):.2f} s, max {max(take_over):.2f} s; "
          f"probe stored: median {statistics.median(probe_stored):.2f} s, max {max(probe_stored):.2f} s "
          f"({rounds} rounds)")


async def _true(value: bool) -> bool:
    return value


async def _tickets(db: asyncpg.Connection, count: int) -> bool:
    return await db.fetchval("SELECT count(*) FROM tickets") >= count


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
