"""Memory of a running `deskbot run`: each process of its tree and the sum, idle and during a burst.

    .venv/bin/python benchmarks/memory.py                   # idle: 15 s and 75 s after start, a table each
    .venv/bin/python benchmarks/memory.py --idle 75 --burst 2000

The service is the one of benchmarks/dispatch.py (a throwaway Dovecot on tmpfs, the fake
Telegram Bot API, SQLite), with the SMTP sink of the tests (mail out on) and the web face on:
every part a desk runs. Nothing is sent to it while idle; the dispatcher chat is a group.

Each process is read from /proc/PID/smaps_rollup: RSS counts every page the process maps
in memory, so pages that forked processes share (the interpreter, modules imported before
the fork) are counted once in each of them and the tree's RSS sum overstates; PSS divides
each shared page between the processes that map it, so the PSS sum is what the tree really
holds. USS: the pages of this process alone (what ending it would give back).

--burst N: N corpus mails (benchmarks/corpus.py) are appended at once, and the tree is
sampled every 0.1 s (processes that come and go included) until every mail is stored and
every new ticket is shown in the group; the peak of the sums is reported, and each
process's own peak.

--visit (on by default): after the idle readings, one page of the web face (/login) is asked for
and the tree read again: what the first page loads (templates, the session) stays.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from dispatch import CARD, DIGEST_LINE, GROUP, running_desk, stored, wait_until  # noqa: E402  (puts tests/ on the path)
from corpus import make_corpus  # noqa: E402
from harness.smtp import SmtpSink, smtp_section  # noqa: E402

FIELDS = ("Rss", "Pss", "Private_Clean", "Private_Dirty")


def rollup(pid: int) -> dict[str, int]:
    """The process's smaps_rollup, in bytes: rss, pss, uss."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in FIELDS:
                values[name] = int(rest.split()[0]) * 1024
    return {"rss": values["Rss"], "pss": values["Pss"], "uss": values["Private_Clean"] + values["Private_Dirty"]}


def role(proc: psutil.Process, root: psutil.Process) -> str:
    if proc.pid == root.pid:
        return "deskbot run"
    if proc.ppid() != root.pid:  # forked by the forkserver
        return "parse worker"
    command = " ".join(proc.cmdline())
    if "forkserver import main" in command:
        return "forkserver"
    if "resource_tracker import main" in command:
        return "resource tracker"
    if "parse_worker" in command:
        return "parse worker"
    return command[:40]


def tree(root: psutil.Process) -> list[tuple[str, int, dict[str, int]]]:
    """(role, pid, memory) of every process of the tree now; those that exited meanwhile left out."""
    rows = []
    for proc in [root, *root.children(recursive=True)]:
        try:
            rows.append((role(proc, root), proc.pid, rollup(proc.pid)))
        except (psutil.Error, FileNotFoundError, ProcessLookupError):
            pass
    return rows


def table(rows: list[tuple[str, int, dict[str, int]]]) -> str:
    mb = 2**20
    lines = [f"{'process':<18} {'pid':>7} {'RSS MB':>8} {'PSS MB':>8} {'USS MB':>8}"]
    for name, pid, m in rows:
        lines.append(f"{name:<18} {pid:>7} {m['rss'] / mb:>8.1f} {m['pss'] / mb:>8.1f} {m['uss'] / mb:>8.1f}")
    total = {k: sum(m[k] for _, _, m in rows) for k in ("rss", "pss", "uss")}
    lines.append(f"{'tree':<18} {'':>7} {total['rss'] / mb:>8.1f} {total['pss'] / mb:>8.1f} {total['uss'] / mb:>8.1f}")
    return "\n".join(lines)


class Sampler(threading.Thread):
    """The tree every 0.1 s: the peak of its RSS and PSS sums, and each role's peak RSS."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.stop = threading.Event()
        self.peak_rss = self.peak_pss = 0
        self.peak_by_role: dict[str, int] = {}
        self.most_processes = 0

    def run(self) -> None:
        while not self.stop.is_set():
            rows = tree(self.root)
            self.peak_rss = max(self.peak_rss, sum(m["rss"] for _, _, m in rows))
            self.peak_pss = max(self.peak_pss, sum(m["pss"] for _, _, m in rows))
            self.most_processes = max(self.most_processes, len(rows))
            for name, _, m in rows:
                self.peak_by_role[name] = max(self.peak_by_role.get(name, 0), m["rss"])
            time.sleep(0.1)


def web_section(port: int) -> str:
    return f'\n[web]\nlisten = "127.0.0.1:{port}"\n'


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--idle", default="15,75",
                      help="seconds after start at which the idle tree is read (comma-separated; the parser "
                           "workers end after a minute without mail)")
    args.add_argument("--visit", action=argparse.BooleanOptionalAction, default=True,
                      help="after the idle readings, ask the web face for one page and read the tree again")
    args.add_argument("--burst", type=int, default=0, help="mails in the burst (0: idle only)")
    args.add_argument("--burst-wait", type=float, default=600, help="give up on the burst after this many seconds")
    opts = args.parse_args()
    sink = SmtpSink().start()
    port = _free_port()
    extra = smtp_section(sink, "support@example.test") + web_section(port)
    try:
        with running_desk(GROUP, extra_config=extra) as (dovecot, fake, proc, workdir):
            wait_until(lambda: _listening(port), 60, "the web face", proc)
            started = time.monotonic()
            root = psutil.Process(proc.pid)
            for at in sorted(float(x) for x in opts.idle.split(",")):
                time.sleep(max(0.0, started + at - time.monotonic()))
                print(f"idle, {at:.0f} s after start:")
                print(table(tree(root)), flush=True)
            if opts.visit:
                # A person's first page: its templates and the session's code stay loaded.
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30) as page:
                    page.read()
                time.sleep(5)
                print("idle, after one web page (/login):")
                print(table(tree(root)), flush=True)
            if opts.burst:
                print(_burst(opts.burst, opts.burst_wait, dovecot, fake, proc, workdir), flush=True)
                print("after the burst:")
                print(table(tree(root)), flush=True)
    finally:
        sink.stop()


def _burst(n: int, max_wait: float, dovecot, fake, proc, workdir: Path) -> str:
    mails = list(make_corpus(n))
    sampler = Sampler(proc.pid)
    sampler.start()
    t0 = time.monotonic()
    try:
        dovecot.append_many(mails)
        tickets, shown, stored_s = None, set(), None
        while time.monotonic() - t0 < max_wait and proc.poll() is None:
            if tickets is None:
                raw, new = stored(workdir / "desk.sqlite3")
                if raw >= n:
                    tickets, stored_s = new, time.monotonic() - t0
            for record in fake.sent(GROUP):
                text = record["params"].get("text", "")
                shown.update(int(m.group(1)) for m in (CARD.match(text),) if m)
                shown.update(int(x) for x in DIGEST_LINE.findall(text))
            if tickets is not None and tickets <= shown:
                break
            time.sleep(0.5)
        took = time.monotonic() - t0
    finally:
        sampler.stop.set()
        sampler.join()
    mb = 2**20
    done = tickets is not None and tickets <= shown
    roles = ", ".join(f"{name} {peak / mb:.0f}" for name, peak in sorted(sampler.peak_by_role.items()))
    return (f"burst of {n} mails: {'all stored after %.1f s, ' % stored_s if stored_s else 'NOT all stored, '}"
            f"{'every ticket shown' if done else 'NOT every ticket shown'} after {took:.1f} s; "
            f"peak of the tree: RSS {sampler.peak_rss / mb:.0f} MB, PSS {sampler.peak_pss / mb:.0f} MB "
            f"(up to {sampler.most_processes} processes); each one's peak RSS, MB: {roles}")


def _free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    import socket
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


if __name__ == "__main__":
    main()
