"""Tap benchmark, part of benchmarks/dispatch.py: tap -> callback answered, tap -> message edited.

    .venv/bin/python benchmarks/dispatch.py --latency 0 --burst 0 --taps 20 --busy 60

One `deskbot run` with a *group* as the dispatcher chat and two dispatchers in it (Dana,
Dima); CARDS tickets are announced as cards, then the dispatchers tap the cards' buttons:
a department (the card shows its people) or Back (the card shows the departments again).
Every tap is timed from the control call that makes it (time.monotonic() here, the same
system clock as the fake's request log) to the fake recording the successful
answerCallbackQuery of that query, and to the first successful edit of that card that
shows what the tap asked for (the people or the departments).

- QUIET: one tap at a time, once the chat's limits leave room (a random 0.3-1 s later),
  the next once the previous tap's edit has landed.
- BUSY: a burst of mails is appended (its digests are being listed) while the two
  dispatchers tap a card every 0.15-0.35 s, any card whose last tap has been shown, for
  `busy` seconds: the group's 20 messages a minute are used up all along.

"After the window": for each edit, how long after the chat's limits let one more
message go (deskbot's own limits, 1 a second and 20 a minute per group, replayed over
every sending call into the group before the edit, from the later of the tap and the
previous message) the edit was recorded.
"""
from __future__ import annotations

import random
import threading
import time
from typing import Any

from deskbot.bot.limits import TELEGRAM_LIMITS, FloodControl

CARDS = 8
SECOND_DISPATCHER = 1002  # Dima
EXTRA_STAFF = f"""
[[staff]]
name = "Dima"
telegram_id = {SECOND_DISPATCHER}
departments = ["support"]
roles = ["dispatcher"]
"""
_SENDING = {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup",
            "editMessageCaption"}


def markup_kind(markup: Any) -> str | None:
    """'people' (a department's people and Back), 'departments', or None (no buttons)."""
    text = str(markup or "")
    if "b1:" in text or "a2:" in text:
        return "people"
    return "departments" if "d1:" in text else None


class Tapper:
    """Taps through the fake's control API and reads the outcome from its request log."""

    def __init__(self, fake, group: int, dispatchers: tuple[int, int]) -> None:
        self.fake, self.group, self.dispatchers = fake, group, dispatchers
        self.taps: list[dict[str, Any]] = []
        self.pending: set[int] = set()  # cards whose last tap is not shown yet
        self._turn = 0

    def cards(self) -> dict[int, Any]:
        """The group's bot messages with buttons: message id -> current markup."""
        return {m["message_id"]: m["reply_markup"]
                for m in self.fake.get(f"/chats/{self.group}/messages?from_bot=1&include_deleted=0")
                if markup_kind(m["reply_markup"])}

    def tap(self, message_id: int, markup: Any, phase: str) -> None:
        kind = markup_kind(markup)
        prefix = "d1:" if kind == "departments" else "b1:"
        data = next(b["callback_data"] for row in markup["inline_keyboard"] for b in row
                    if b.get("callback_data", "").startswith(prefix))
        user = self.dispatchers[self._turn % 2]
        self._turn += 1
        t0 = time.monotonic()
        query = self.fake.post("/callback_queries", {"from_user": user, "chat_id": self.group,
                                                     "message_id": message_id, "callback_data": data})["id"]
        self.taps.append({"phase": phase, "query": query, "message_id": message_id, "at": t0,
                          "wants": "people" if kind == "departments" else "departments"})
        self.pending.add(message_id)

    def settle(self) -> None:
        """Read the log: fill in each tap's answer and edit times; free the cards that were shown."""
        log = self.fake.get("/requests")
        answers = {r["params"].get("callback_query_id"): r["at"] for r in log
                   if r["method"] == "answerCallbackQuery" and r["status"] == 200}
        edits = [r for r in log if r["method"] == "editMessageReplyMarkup" and r["status"] == 200
                 and int(r["params"].get("chat_id", 0)) == self.group]
        for tap in self.taps:
            tap["answered"] = answers.get(tap["query"])
            if tap.get("edited") is None:
                shown = next((r["at"] for r in edits if r["at"] >= tap["at"]
                              and int(r["params"]["message_id"]) == tap["message_id"]
                              and markup_kind(r["params"].get("reply_markup")) == tap["wants"]), None)
                tap["edited"] = shown
        self.pending = {t["message_id"] for t in self.taps if t["edited"] is None}

    def group_sends(self) -> list[float]:
        return sorted(r["at"] for r in self.fake.get("/requests") if r["method"] in _SENDING
                      and int(r["params"].get("chat_id", 0)) == self.group)

    def all_done(self) -> bool:
        self.settle()
        return all(t["answered"] is not None and t["edited"] is not None for t in self.taps)


def window_free_at(sends: list[float], after: float, chat_id: int) -> float:
    """The earliest moment >= `after` at which deskbot's limits let one more message into the chat."""
    moment = [0.0]
    flood = FloodControl(TELEGRAM_LIMITS, now=lambda: moment[0])
    for at in sends:
        moment[0] = at
        flood.spend(chat_id)
    moment[0] = after
    return after + flood.delay(chat_id)


def after_window(tapper: Tapper, sends: list[float]) -> None:
    """Each tap's edit: seconds after the chat's limits let it go (see the module's doc)."""
    for tap in tapper.taps:
        if tap["edited"] is None:
            continue
        before = [at for at in sends if at < tap["edited"]]
        start = max([tap["at"], *before[-1:]])
        tap["late"] = tap["edited"] - window_free_at(before, start, tapper.group)


def quiet_phase(tapper: Tapper, samples: int, rng: random.Random, wait_until) -> None:
    cards = sorted(tapper.cards())
    for i in range(samples):
        free = window_free_at(tapper.group_sends(), time.monotonic(), tapper.group)
        time.sleep(max(0.0, free - time.monotonic()) + rng.uniform(0.3, 1.0))
        message_id = cards[i % len(cards)]
        tapper.tap(message_id, tapper.cards()[message_id], "quiet")
        wait_until(tapper.all_done, 30, f"quiet tap {i} answered and shown")


def busy_phase(tapper: Tapper, seconds: float, rng: random.Random, burst) -> float:
    """The busy taps; when the burst's append started."""
    appending = threading.Thread(target=burst)
    started = time.monotonic()
    appending.start()
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            tapper.settle()
            free = [m for m in tapper.cards().items() if m[0] not in tapper.pending]
            if free:
                tapper.tap(*rng.choice(free), "busy")
            time.sleep(rng.uniform(0.15, 0.35))
    finally:
        appending.join()
    return started


def run_taps(running_desk, group: int, dispatcher: int, quiet: int, busy: float, burst_mails: int,
             wait_until) -> dict[str, list[dict[str, Any]]]:
    """Both phases in one service; the taps, each with `answered`, `edited` and `late`."""
    from corpus import make_corpus
    from harness.mails import make_mail

    rng = random.Random(11)
    people = {dispatcher: "Dana", SECOND_DISPATCHER: "Dima"}
    with running_desk(group, people, EXTRA_STAFF) as (dovecot, fake, proc, _):
        tapper = Tapper(fake, group, (dispatcher, SECOND_DISPATCHER))
        dovecot.append_many([make_mail(f"Card {i}") for i in range(CARDS)])
        wait_until(lambda: len(tapper.cards()) >= CARDS, 60, f"{CARDS} cards in the group", proc)
        if quiet:
            quiet_phase(tapper, quiet, rng, wait_until)
        burst_at = None
        if busy:
            mails = list(make_corpus(burst_mails))
            burst_at = busy_phase(tapper, busy, rng, lambda: dovecot.append_many(mails))
            wait_until(tapper.all_done, 300, "every busy tap answered and shown", proc)
        after_window(tapper, tapper.group_sends())
        counters = fake.get("/counters")
        return {"taps": tapper.taps, "burst_at": burst_at, "too_many_requests": counters["too_many_requests"],
                "ignored_retry_after": counters["ignored_retry_after"]}


def report(result: dict[str, Any], percentile) -> list[str]:
    lines = []
    for phase in ("quiet", "busy"):
        taps = [t for t in result["taps"] if t["phase"] == phase]
        if not taps:
            continue
        answered = sorted(t["answered"] - t["at"] for t in taps)
        edited = sorted(t["edited"] - t["at"] for t in taps)
        late = sorted(t["late"] for t in taps)
        before = sum(t["answered"] > t["edited"] for t in taps)

        def ms(values: list[float]) -> str:
            return (f"p50 {percentile(values, 0.5) * 1000:.0f} ms, p95 {percentile(values, 0.95) * 1000:.0f} ms, "
                    f"max {values[-1] * 1000:.0f} ms")
        lines.append(f"taps, {phase} group, {len(taps)} taps: tap -> callback answered {ms(answered)}; "
                     f"tap -> card edited {ms(edited)}; edit after the chat's window {ms(late)}; "
                     f"answered after the edit: {before}")
    lines.append(f"taps: 429s {result['too_many_requests']}, ignored retry_after {result['ignored_retry_after']}")
    return lines
