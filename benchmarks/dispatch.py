"""Dispatch benchmark: e-mail -> card or digest in the dispatcher chat, through real processes.

    .venv/bin/python benchmarks/dispatch.py [--latency 100] [--burst 2000] [--burst-wait 600] \
        [--rules 0] [--taps 20] [--busy 60] [--busy-burst 300] \
        [--pipe 100] [--ingest-command PATH]

Everything runs as separate processes on 127.0.0.1: a throwaway Dovecot (on tmpfs),
the fake Telegram Bot API (deskbot.demo.botapi, demo/botapi/; Telegram's default flood
limits: 30/s overall, 3 per 3 s per chat, 20/min per group) and `deskbot run`.
Times are read from the fake's own request log: each Bot API call is recorded with
time.monotonic() of the fake's process, the same system clock as ours.

1. Latency: one mail at a time is appended (0-0.5 s after the previous card's
   second in the chat is over) and the time from APPEND to the fake recording the successful
   `sendMessage` of that ticket's card is taken; p50, p95, max. The dispatcher chat
   is a *private* chat here (1 message/s): into a group, 20 messages a minute would
   make the probe measure the group limit, not the latency. For the same reason a
   probe is appended only once the chat's one-a-second window is free again.
1b. Pipe latency (--pipe): the same probes handed to `deskbot ingest` (as an MTA's pipe
   transport runs it, one process per mail) to a service with mailbox.mode = "pipe"; timed
   from the command's start to the fake recording the card's `sendMessage`.
2. Burst: N corpus mails are appended at once (MULTIAPPEND) into the mailbox of the
   running service, with a *group* as the dispatcher chat; the time from the start
   of the append until every ticket is shown (a card `#N`, or a digest line
   `/ticket_N`), the messages sent, the 429s from the fake's counters, and the peak
   summed RSS of the deskbot process tree. With --rules N, the config holds N routing rules
   (benchmarks/rules.py's mix): they run inside the intake, and a rule's assignment is shown too.
3. Taps (benchmarks/taps.py): tap -> callback answered and tap -> card edited, in a
   quiet group and in a busy one.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import select
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
DOVECOT_DIR = "/dev/shm" if Path("/dev/shm").is_dir() else "/tmp"
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

from corpus import make_corpus
from rules import rules_toml
from harness.desk import dispatch_sections
from harness.dovecot import Dovecot
from harness.mails import make_mail
from taps import report, run_taps

TOKEN = "123456789:AAFakeTelegramTokenForDeskbotTests_x1"  # the fake's default
DISPATCHER = 1001  # Dana: a dispatcher, and her private chat
GROUP = -1001  # the dispatchers' group, for the burst
PYTHON = Path(sys.executable)
DESKBOT = PYTHON.parent / "deskbot"
CARD = re.compile(r"^<b>#(\d+)</b>")  # card-title in catalog/locales/*/deskbot.ftl
DIGEST_LINE = re.compile(r"/ticket_(\d+)")  # digest-line
PROBE = re.compile(r"^<b>#\d+</b> Latency probe (\d+)\n")


# -- the fake Telegram, over its control API ------------------------------------------------

class Fake:
    def __init__(self, url: str) -> None:
        self.url = url

    def _call(self, path: str, body: Any = None, timeout: float = 30) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + "/_control" + path, data=data,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return json.load(answer)

    def post(self, path: str, body: Any) -> Any:
        return self._call(path, body)

    def get(self, path: str) -> Any:
        return self._call(path)

    def wait(self, version: int, seconds: float) -> int:
        """Long-poll until the fake changes (or `seconds` pass); its version now."""
        return self._call(f"/wait?after={version}&timeout={seconds:.2f}", timeout=seconds + 10)["version"]

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """Successful sendMessage calls into the chat, in order, each with `at` (monotonic)."""
        return [r for r in self.get("/requests?method=sendMessage")
                if r["status"] == 200 and int(r["params"].get("chat_id", 0)) == chat_id]


@contextmanager
def fake_telegram() -> Iterator[Fake]:
    proc = subprocess.Popen([PYTHON, "-m", "deskbot.demo.botapi", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        line = proc.stdout.readline() if ready else ""
        if not line.startswith("READY "):
            raise SystemExit(f"the fake Telegram did not start: {line!r}")
        yield Fake(line.split()[1])
    finally:
        stop_process(proc, grace=10)


def stop_process(proc: subprocess.Popen, grace: float) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# -- deskbot ------------------------------------------------------------------------------

def write_config(workdir: Path, dovecot: Dovecot, fake: Fake, chat_id: int, extra: str = "",
                 mode: str = "imap") -> Path:
    path = workdir / "config.toml"
    path.write_text(f"""
[database]
url = "sqlite+aiosqlite:///{workdir / 'desk.sqlite3'}"

[mailbox]
mode = "{mode}"
host = "{dovecot.host}"
port = {dovecot.port}
security = "none"
username = "{dovecot.user}"
password = "{dovecot.password}"
attachments_dir = "{workdir / 'attachments'}"

[logging]
level = "WARNING"
""" + dispatch_sections(TOKEN, fake.url, chat_id, DISPATCHER, "1h") + extra)
    return path


@contextmanager
def running_desk(chat_id: int, people: dict[int, str] | None = None, extra_config: str = "",
                 mode: str = "imap") -> Iterator[tuple[Dovecot, Fake, subprocess.Popen, Path]]:
    """Dovecot, the fake (the people, Dana by default, and for a group the group with them) and `deskbot run`."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="deskbot-bench-")))
        dovecot = stack.enter_context(Dovecot(parent=DOVECOT_DIR))
        fake = stack.enter_context(fake_telegram())
        people = people or {DISPATCHER: "Dana"}
        for user_id, name in people.items():
            fake.post("/users", {"id": user_id, "first_name": name})
        if chat_id < 0:
            fake.post("/groups", {"id": chat_id, "title": "Dispatchers", "members": list(people)})
        config = write_config(workdir, dovecot, fake, chat_id, extra_config, mode)
        log = stack.enter_context(open(workdir / "deskbot.log", "wb"))
        proc = subprocess.Popen([DESKBOT, "run", "-c", config], cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        stack.callback(stop_process, proc, 30)
        try:
            wait_until(lambda: fake.get("/requests?method=getUpdates"), 60, "deskbot's first getUpdates", proc)
            if mode != "imap":
                wait_until(lambda: (workdir / "ingest.sock").is_socket(), 60, "the pipe's socket", proc)
            yield dovecot, fake, proc, workdir
        except BaseException:
            print((workdir / "deskbot.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise


def wait_until(check, seconds: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + seconds
    while True:
        if result := check():
            return result
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"deskbot exited with code {proc.returncode} while waiting for {what}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.05)


# -- 1. latency ---------------------------------------------------------------------------

def latency(samples: int) -> tuple[list[float], int]:
    """APPEND -> sendMessage of the card recorded by the fake, in seconds; and how many
    cards followed the previous one by less than 1.05 s (deskbot's own 1/s chat pacing)."""
    with running_desk(DISPATCHER) as (dovecot, fake, proc, _):
        # A warm-up card: the service is connected, idling and announcing before we time anything.
        dovecot.append(make_mail("Warm-up"))
        wait_until(lambda: fake.sent(DISPATCHER), 60, "the warm-up card", proc)
        version = fake.get("/state")["version"]
        pauses = random.Random(7)
        latencies, close_after_previous = [], 0
        previous_card = fake.sent(DISPATCHER)[-1]["at"]
        for i in range(samples):
            # Telegram takes one message a second into a chat, and deskbot keeps to that: a mail
            # landing within a second of the previous card waits for the limit, not for us. So
            # each probe is appended once the chat is free again, at a random moment after that.
            free_at = previous_card + 1.05
            time.sleep(max(0.0, free_at - time.monotonic()) + pauses.uniform(0.0, 0.5))
            raw = make_mail(f"Latency probe {i}")
            t0 = time.monotonic()
            dovecot.append(raw)
            card, version = probe_card(fake, i, t0 + 30, proc, version)
            latencies.append(card["at"] - t0)
            close_after_previous += card["at"] - previous_card < 1.05
            previous_card = card["at"]
        counters = fake.get("/counters")
        if counters["too_many_requests"]:
            print(f"  note: {counters['too_many_requests']} x 429 during the latency run", file=sys.stderr)
        return latencies, close_after_previous


def probe_card(fake, i: int, deadline: float, proc, version: int) -> tuple[dict, int]:
    """The dispatcher card of latency probe `i`, as the fake recorded it, and the fake's version."""
    while True:
        for record in fake.sent(DISPATCHER):
            m = PROBE.match(record["params"].get("text", ""))
            if m and int(m.group(1)) == i:
                return record, version
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit(f"no card for probe {i} in time")
        version = fake.wait(version, min(2.0, max(0.05, deadline - time.monotonic())))


# -- 1b. latency through the MTA's pipe ------------------------------------------------------

def pipe_latency(samples: int, command: Path = DESKBOT) -> tuple[list[float], list[float]]:
    """`deskbot ingest` started -> sendMessage of the card recorded by the fake, in seconds (a service
    with mailbox.mode = "pipe", no IMAP), and the command's own run times."""
    with running_desk(DISPATCHER, mode="pipe") as (_, fake, proc, workdir):
        config = workdir / "config.toml"

        def pipe(raw: bytes) -> tuple[float, float]:
            t0 = time.monotonic()
            done = subprocess.run([command, "ingest", "-c", config], input=raw, cwd="/", capture_output=True)
            if done.returncode:
                raise SystemExit(f"deskbot ingest exited {done.returncode}: {done.stderr.decode()[-500:]}")
            return t0, time.monotonic() - t0

        pipe(make_mail("Warm-up"))
        wait_until(lambda: fake.sent(DISPATCHER), 60, "the warm-up card", proc)
        version = fake.get("/state")["version"]
        pauses = random.Random(7)
        latencies, runs = [], []
        previous_card = fake.sent(DISPATCHER)[-1]["at"]
        for i in range(samples):
            time.sleep(max(0.0, previous_card + 1.05 - time.monotonic()) + pauses.uniform(0.0, 0.5))
            t0, ran = pipe(make_mail(f"Latency probe {i}"))
            runs.append(ran)
            card, version = probe_card(fake, i, t0 + 30, proc, version)
            latencies.append(card["at"] - t0)
            previous_card = card["at"]
        return latencies, runs


# -- 2. burst ----------------------------------------------------------------------------

def peak_rss_of_tree(pid: int, stop: threading.Event, out: list[int]) -> None:
    root = psutil.Process(pid)
    peak = 0
    while not stop.is_set():
        try:
            peak = max(peak, sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]))
        except psutil.Error:
            pass
        time.sleep(0.1)
    out.append(peak)


def stored(db: Path) -> tuple[int, set[int]]:
    """Raw mails stored, and the numbers of the tickets that wait to be shown (status new)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        raw = conn.execute("SELECT count(*) FROM raw_mail").fetchone()[0]
        # A routing rule's assignment is shown to the dispatchers as well (to override).
        new = {row[0] for row in conn.execute(
            "SELECT id FROM tickets WHERE status = 'new' OR (status = 'assigned' AND assigned_by_rule IS NOT NULL)")}
    return raw, new


def burst(n: int, max_wait: float, rules: int = 0) -> dict[str, Any]:
    extra = rules_toml(rules) if rules else ""
    with running_desk(GROUP, extra_config=extra) as (dovecot, fake, proc, workdir):
        time.sleep(2)  # let the first IMAP connect and IDLE settle
        mails = list(make_corpus(n))
        stop, peaks = threading.Event(), []
        watcher = threading.Thread(target=peak_rss_of_tree, args=(proc.pid, stop, peaks))
        watcher.start()
        try:
            t0 = time.monotonic()
            dovecot.append_many(mails)
            append_s = time.monotonic() - t0
            deadline = t0 + max_wait
            version = fake.get("/state")["version"]
            tickets: set[int] | None = None  # known once every mail is stored
            shown: dict[int, float] = {}  # ticket -> when it was first shown
            while True:
                for record in fake.sent(GROUP):
                    text = record["params"].get("text", "")
                    numbers = [int(m.group(1)) for m in (CARD.match(text),) if m] + \
                              [int(x) for x in DIGEST_LINE.findall(text)]
                    for number in numbers:
                        shown.setdefault(number, record["at"])
                if tickets is None:
                    raw, new = stored(workdir / "desk.sqlite3")
                    if raw >= n:
                        tickets, stored_s = new, time.monotonic() - t0
                if tickets is not None and tickets <= shown.keys():
                    break
                if time.monotonic() > deadline or proc.poll() is not None:
                    break
                version = fake.wait(version, min(2.0, max(0.05, deadline - time.monotonic())))
                time.sleep(0.25)  # the log is re-read at most 4 times a second
        finally:
            stop.set()
            watcher.join()
        sends = fake.sent(GROUP)
        counters = fake.get("/counters")
        if tickets is None:
            stored_s = None
            _, tickets = stored(workdir / "desk.sqlite3")
        visible = tickets & shown.keys()
        done = tickets <= shown.keys()
        cards = sum(1 for r in sends if CARD.match(r["params"].get("text", "")))
        ruled = _ruled(workdir / "desk.sqlite3") if rules else (0, 0, 0)
        return {
            "rules": rules, "tickets_ruled": ruled[0], "rule_firings": ruled[1], "assigned_by_rule": ruled[2],
            "mails": n, "tickets": len(tickets), "visible": len(visible), "done": done,
            "append_s": append_s, "stored_s": stored_s,
            "seconds": max(shown[t] for t in tickets) - t0 if done and tickets else None,
            "waited_s": time.monotonic() - t0,
            "messages": len(sends), "cards": cards, "digests": len(sends) - cards,
            "too_many_requests": counters["too_many_requests"],
            "ignored_retry_after": counters["ignored_retry_after"],
            "peak_rss_mb": peaks[0] / 2**20 if peaks else float("nan"),
        }


def _ruled(db: Path) -> tuple[int, int, int]:
    """Tickets some rule fired on, firings, tickets a rule assigned."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        return (conn.execute("SELECT count(DISTINCT ticket_id) FROM rule_firings").fetchone()[0],
                conn.execute("SELECT count(*) FROM rule_firings").fetchone()[0],
                conn.execute("SELECT count(*) FROM tickets WHERE assigned_by_rule IS NOT NULL").fetchone()[0])


# -----------------------------------------------------------------------------------------

def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[max(0, round(len(sorted_values) * q) - 1)]


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--latency", type=int, default=100, help="latency probes (0: skip)")
    args.add_argument("--pipe", type=int, default=100, help="latency probes through `deskbot ingest` (0: skip)")
    args.add_argument("--ingest-command", type=Path, default=DESKBOT,
                      help="the `deskbot` the pipe runs (e.g. of a venv with the wheel installed, not editable)")
    args.add_argument("--burst", type=int, default=2000, help="mails in the burst (0: skip)")
    args.add_argument("--burst-wait", type=float, default=600, help="give up on the burst after this many seconds")
    args.add_argument("--rules", type=int, default=0,
                      help="routing rules in the config during the burst (benchmarks/rules.py's mix; 0: none)")
    args.add_argument("--taps", type=int, default=20, help="taps in a quiet group (see benchmarks/taps.py; 0: skip)")
    args.add_argument("--busy", type=float, default=60, help="seconds of taps in a busy group (0: skip)")
    args.add_argument("--busy-burst", type=int, default=300, help="mails appended while the busy group taps")
    args.add_argument("--taps-log", type=Path, help="write every tap's times (JSON) to this file")
    opts = args.parse_args()
    if opts.latency:
        lat, paced = latency(opts.latency)
        lat.sort()
        print(f"latency APPEND -> card sendMessage (private chat), {len(lat)} mails: "
              f"p50 {statistics.median(lat) * 1000:.0f} ms, p95 {percentile(lat, 0.95) * 1000:.0f} ms, "
              f"max {lat[-1] * 1000:.0f} ms; {paced} cards came < 1.05 s after the previous one", flush=True)
    if opts.pipe:
        lat, runs = pipe_latency(opts.pipe, opts.ingest_command)
        lat.sort()
        runs.sort()
        print(f"latency `deskbot ingest` start -> card sendMessage (private chat), {len(lat)} mails: "
              f"p50 {statistics.median(lat) * 1000:.0f} ms, p95 {percentile(lat, 0.95) * 1000:.0f} ms, "
              f"max {lat[-1] * 1000:.0f} ms; the command itself: p50 {statistics.median(runs) * 1000:.0f} ms, "
              f"p95 {percentile(runs, 0.95) * 1000:.0f} ms", flush=True)
    if opts.burst:
        r = burst(opts.burst, opts.burst_wait, opts.rules)
        stored_s = f"{r['stored_s']:.1f} s" if r["stored_s"] is not None else "not all"
        head = (f"burst of {r['mails']} mails ({r['tickets']} new tickets): "
                + (f"every ticket visible after {r['seconds']:.1f} s" if r["done"] else
                   f"NOT all visible after {r['waited_s']:.0f} s: {r['visible']} of {r['tickets']}"))
        print(f"{head}; append {r['append_s']:.1f} s, all stored {stored_s}; "
              f"{r['messages']} messages ({r['cards']} cards, {r['digests']} digests); "
              f"429s {r['too_many_requests']}, ignored retry_after {r['ignored_retry_after']}; "
              f"peak RSS of the deskbot tree {r['peak_rss_mb']:.0f} MB"
              + (f"; {r['rules']} rules: fired {r['rule_firings']} times on {r['tickets_ruled']} tickets, "
                 f"{r['assigned_by_rule']} assigned by a rule" if r["rules"] else ""), flush=True)
    if opts.taps or opts.busy:
        result = run_taps(running_desk, GROUP, DISPATCHER, opts.taps, opts.busy, opts.busy_burst, wait_until)
        print("\n".join(report(result, percentile)))
        if opts.taps_log:
            opts.taps_log.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
