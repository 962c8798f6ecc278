"""Ingest benchmark: a realistic mailbox into SQLite through a real Dovecot.

    .venv/bin/python benchmarks/ingest.py [-n 10000] [--latency 100] [--db URL]

1. Throughput: N corpus mails are appended to a throwaway Dovecot, then
   `deskbot poll-once` runs as its own process; prints messages/s end to end and
   the peak RSS of the deskbot process tree (main process plus parser workers).
2. IDLE latency: with the poller idling, one mail at a time is appended and the
   time from APPEND to the batch being committed is taken; p50 and p95.
Traffic stays on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
# tmpfs keeps Dovecot's own disk writes out of the figures (appends are ~6x faster there).
DOVECOT_DIR = "/dev/shm" if Path("/dev/shm").is_dir() else "/tmp"
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

from corpus import make_corpus  # noqa: E402
from harness.dovecot import Dovecot  # noqa: E402
from harness.mails import make_mail  # noqa: E402


def write_config(workdir: Path, dovecot: Dovecot, db_url: str) -> Path:
    path = workdir / "config.toml"
    path.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[mailbox]\nhost = "{dovecot.host}"\nport = {dovecot.port}\nsecurity = "none"\n'
        f'username = "{dovecot.user}"\npassword = "{dovecot.password}"\n'
        f'attachments_dir = "{workdir / "attachments"}"\n[logging]\nlevel = "WARNING"\n'
    )
    return path


def peak_memory_of_tree(proc: subprocess.Popen, stop: threading.Event, out: list[tuple[int, int]]) -> None:
    """Peak of the summed RSS (shared pages counted in every process) and of the summed PSS."""
    root = psutil.Process(proc.pid)
    peak_rss = peak_pss = 0
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
            peak_rss = max(peak_rss, sum(p.memory_info().rss for p in procs))
            peak_pss = max(peak_pss, sum(p.memory_full_info().pss for p in procs))
        except psutil.Error:
            pass
        time.sleep(0.1)  # reading smaps costs CPU: sample gently
    out.append((peak_rss, peak_pss))


def throughput(n: int, db_url: str | None, rescan: bool = False) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="deskbot-bench-") as tmp, Dovecot(parent=DOVECOT_DIR) as dovecot:
        workdir = Path(tmp)
        url = db_url or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
        config = write_config(workdir, dovecot, url)
        t0 = time.perf_counter()
        dovecot.append_many(make_corpus(n))
        append_s = time.perf_counter() - t0
        deskbot = Path(sys.executable).parent / "deskbot"
        subprocess.run([deskbot, "db", "upgrade", "-c", config], check=True, capture_output=True)
        stop, peaks = threading.Event(), []
        t0 = time.perf_counter()
        proc = subprocess.Popen([deskbot, "poll-once", "-c", config], cwd=workdir)
        watcher = threading.Thread(target=peak_memory_of_tree, args=(proc, stop, peaks))
        watcher.start()
        code = proc.wait()
        elapsed = time.perf_counter() - t0
        stop.set()
        watcher.join()
        if code != 0:
            raise SystemExit(f"poll-once failed with exit code {code}")
        stored = count_rows(url)
        if stored != n:
            raise SystemExit(f"expected {n} stored messages, found {stored}")
        result = {"messages": n, "append_s": append_s, "seconds": elapsed, "per_second": n / elapsed,
                  "peak_rss_mb": peaks[0][0] / 2**20, "peak_pss_mb": peaks[0][1] / 2**20}
        if rescan:
            # Every mail is known: the rescan only recognises it (mailbox/identity.py) and flags it.
            dovecot.reset_uidvalidity()
            t0 = time.perf_counter()
            subprocess.run([deskbot, "poll-once", "-c", config], cwd=workdir, check=True)
            result["rescan_s"] = time.perf_counter() - t0
            if count_rows(url) != n:
                raise SystemExit("the rescan stored mail again")
        return result


def count_rows(url: str) -> int:
    return asyncio.run(_count_async(url))


async def _count_async(url: str) -> int:
    from sqlalchemy import func, select

    from deskbot.storage.db import create_engine
    from deskbot.storage.models import RawMail

    engine = create_engine(url)
    async with engine.connect() as conn:
        value = await conn.scalar(select(func.count()).select_from(RawMail))
    await engine.dispose()
    return value


async def idle_latency(samples: int) -> list[float]:
    from deskbot.dispatch.clock import SystemClock
    from deskbot.dispatch.config import load_config
    from deskbot.app.database import prepare_database
    from deskbot.app.service import build_poller

    with tempfile.TemporaryDirectory(prefix="deskbot-bench-") as tmp, Dovecot(parent=DOVECOT_DIR) as dovecot:
        workdir = Path(tmp)
        config = load_config(write_config(workdir, dovecot, f"sqlite+aiosqlite:///{workdir / 'l.sqlite3'}"))
        engine = await prepare_database(config)
        poller = build_poller(config, engine, SystemClock())
        committed: dict[int, float] = {}
        store = poller.sink.store

        async def timed_store(uidvalidity, batch, last_uid):
            result = await store(uidvalidity, batch, last_uid)
            now = time.perf_counter()
            for item in batch:
                committed[item.uid] = now
            return result

        poller.sink.store = timed_store
        task = asyncio.create_task(poller.run())
        while poller._conn is None:
            await asyncio.sleep(0.01)
        latencies = []
        pauses = random.Random(7)
        for i in range(samples):
            # Mail arrives independently of our processing, not in lock-step with our commits.
            await asyncio.sleep(pauses.uniform(0.1, 0.5))
            raw = make_mail(f"Latency probe {i}")
            t0 = time.perf_counter()
            uid = await asyncio.to_thread(dovecot.append, raw)
            deadline = t0 + 30
            while uid not in committed:
                if time.perf_counter() > deadline:
                    raise SystemExit(f"message {uid} was not stored within 30 s")
                await asyncio.sleep(0.002)
            latencies.append(committed[uid] - t0)
        poller.stop()
        await task
        await poller.close()
        await engine.dispose()
        return latencies


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("-n", type=int, default=10_000, help="messages for the throughput run")
    args.add_argument("--latency", type=int, default=100, help="samples for the IDLE latency run (0: skip)")
    args.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    args.add_argument("--rescan", action="store_true", help="then time the rescan after a UIDVALIDITY change")
    opts = args.parse_args()
    result = throughput(opts.n, opts.db, opts.rescan)
    print(f"throughput: {result['messages']} messages in {result['seconds']:.2f} s = "
          f"{result['per_second']:.0f} messages/s; peak memory of the process tree: RSS {result['peak_rss_mb']:.0f} MB, "
          f"PSS {result['peak_pss_mb']:.0f} MB "
          f"(append to Dovecot took {result['append_s']:.1f} s)")
    if opts.rescan:
        print(f"rescan after a UIDVALIDITY change: {result['messages']} known messages recognised and flagged "
              f"in {result['rescan_s']:.2f} s")
    if opts.latency:
        lat = sorted(asyncio.run(idle_latency(opts.latency)))
        p50 = statistics.median(lat)
        p95 = lat[max(0, int(len(lat) * 0.95) - 1)]
        print(f"IDLE latency over {len(lat)} messages: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
              f"max {lat[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
