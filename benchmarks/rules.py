"""Routing rules benchmark: evaluating N realistic rules for one ticket, on one core.

    .venv/bin/python benchmarks/rules.py [--rules 500] [--mails 2000] [--rounds 5]

The rules (`realistic_rules`, deterministic) are the mix a desk with hundreds of them has: most
route by words of the subject (English and Russian) or by the sender's domain or address, some look
at the text by words or by a regular expression, a few at the request type, the contract, the
attachments or business hours; most are in a "first" routing set, the rest in "all" sets for tags
and alerts; a few act on replies and on time. The tickets are the benchmark corpus (corpus.py),
parsed as the intake parses it. Each ticket's facts are evaluated `rounds` times; the time per
evaluation (time.perf_counter_ns) gives p50, p95, p99 and max. The process is pinned to one core.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks")]

from corpus import _domains, make_corpus  # noqa: E402

WORDS_EN = ["printer", "scanner", "vpn", "password", "outlook", "email", "backup", "invoice", "laptop", "phone",
            "wifi", "server", "website", "account", "access", "license", "monitor", "keyboard", "router", "toner",
            "1c", "crm", "erp", "database", "disk", "virus", "update", "camera", "projector", "cashier"]
WORDS_RU = ["принтер", "сканер", "впн", "пароль", "почта", "бэкап", "счёт", "ноутбук", "телефон", "сервер",
            "сайт", "доступ", "лицензия", "монитор", "касса", "вирус", "обновление", "камера", "интернет", "1с"]
PHRASES = ["не работает", "does not print", "cannot log in", "не печатает", "out of order", "very slow",
           "не открывается", "access denied"]
REGEXES = [r"invoice\s+#?\d+", r"сч[её]т\s+№?\s*\d+", r"error\s+0x[0-9a-f]+", r"магазин\w*\s+\d+",
           r"ticket\s+\d{5,}", r"\b(urgent|срочно)\b", r"room\s+\d+", r"ip\s+\d+\.\d+\.\d+\.\d+"]


def realistic_rules(n: int, seed: int = 14, request_types: bool = True, staff: str = "Dana",
                    departments: tuple[str, ...] = ("support", "network")) -> list[dict[str, Any]]:
    """`n` rules as [[rules]] tables (dicts), valid against a desk with these departments and this person."""
    r = random.Random(seed)
    domains = _domains(random.Random(1), 60)  # the corpus's own organizations: some rules match
    rules: list[dict[str, Any]] = []
    for i in range(n):
        kind = r.random()
        rule: dict[str, Any] = {"name": f"rule {i:04d}"}
        if kind < 0.35:
            rule["subject"] = r.sample(WORDS_EN + WORDS_RU, r.randint(1, 4)) + ([r.choice(PHRASES)] if r.random() < .2 else [])
        elif kind < 0.55:
            rule["domain"] = r.sample(domains, r.randint(1, 3))
        elif kind < 0.62:
            rule["from"] = [f"{r.choice(['boss', 'ceo', 'it', 'buh'])}@{r.choice(domains)}"]
        elif kind < 0.75:
            rule["text"] = r.sample(WORDS_EN + WORDS_RU + PHRASES, r.randint(1, 3))
        elif kind < 0.85:
            rule["subject_regex" if r.random() < .5 else "text_regex"] = r.choice(REGEXES)
        elif kind < 0.90 and request_types:
            rule["request_type"] = [r.choice(["printer", "account", "other"])]
        else:
            rule["organization"] = r.sample(domains, r.randint(1, 5))
        if r.random() < 0.15:
            rule["contract"] = r.random() < .7
        if r.random() < 0.1:
            rule["attachments"] = r.random() < .5
        if r.random() < 0.1:
            rule["in_hours"] = r.random() < .5
        which = r.random()
        if which < 0.6:
            rule["set"] = f"routing{i % 3}"  # first-match sets
            rule["department"] = r.choice(departments)
            if r.random() < 0.2:
                rule["assign"] = staff
            if r.random() < 0.3:
                rule["priority"] = r.choice(["low", "high", "urgent"])
        elif which < 0.85:
            rule["set"] = "tags"
            rule["tags"] = [r.choice(WORDS_EN)]
        else:
            rule["set"] = "alerts"
            rule["priority"] = r.choice(["high", "urgent"])
            if r.random() < 0.3:
                rule["notify"] = [staff]
        on = r.random()
        if on < 0.1:
            rule["on"] = "reply"
        elif on < 0.16:
            rule["on"], rule["after"] = r.choice(["unassigned", "unanswered", "untouched"]), r.choice(["30m", "2h", "1d"])
        rules.append(rule)
    return rules


MODES = {"tags": "all", "alerts": "all"}  # the routing sets are "first" (not listed)


def rules_toml(n: int, **kw: Any) -> str:
    """The rules as config text ([rule_sets] and [[rules]]), for `deskbot run` (benchmarks/dispatch.py --rules)."""
    import json

    lines = ["", "[rule_sets]", *(f'{k} = "{v}"' for k, v in MODES.items()), ""]
    for rule in realistic_rules(n, request_types=False, **kw):
        lines.append("[[rules]]")
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in rule.items()]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--rules", type=int, default=500)
    args.add_argument("--mails", type=int, default=2000, help="tickets (corpus mails) to evaluate")
    args.add_argument("--rounds", type=int, default=5, help="evaluations of each ticket")
    opts = args.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from deskbot.dispatch.config_rules import Rule
    from deskbot.dispatch.routing import Facts, Rulebook
    from deskbot.mailbox.inbound import ParseOptions
    from deskbot.mailbox.parse import parse_batch

    import tempfile

    started = time.perf_counter()
    rules = [Rule.model_validate(rule) for rule in realistic_rules(opts.rules)]
    book = Rulebook.compile(rules, MODES)
    compiled_ms = (time.perf_counter() - started) * 1000
    with tempfile.TemporaryDirectory() as scratch:
        mails = [m for m in parse_batch(list(make_corpus(opts.mails)), ParseOptions(attachments_dir=scratch))
                 if m.sender is not None]
    r = random.Random(2)
    contracted = {d for d in _domains(random.Random(1), 60) if r.random() < .3}
    facts = []
    for mail in mails:
        domain = mail.sender.email.rpartition("@")[2]
        facts.append(Facts(trigger="new", sender=mail.sender.email, organization=domain, contract=domain in contracted,
                           subject=mail.subject, text=mail.text, request_type=r.choice([None, "printer", "other"]),
                           attachments=any(not a.inline for a in mail.attachments), in_hours=r.random() < .7))
    times, fired = [], []
    for _ in range(opts.rounds):
        for one in facts:
            t0 = time.perf_counter_ns()
            hits = book.evaluate(one)
            times.append(time.perf_counter_ns() - t0)
            fired.append(len(hits))
    times.sort()
    us = [t / 1000 for t in times]

    def q(p: float) -> float:
        return us[max(0, round(len(us) * p) - 1)]
    on_new = len(book.rules("new"))
    print(f"{opts.rules} rules ({on_new} on new tickets), compiled in {compiled_ms:.0f} ms; "
          f"{len(facts)} tickets x {opts.rounds}: p50 {statistics.median(us):.0f} µs, p95 {q(.95):.0f} µs, "
          f"p99 {q(.99):.0f} µs, max {us[-1]:.0f} µs; rules fired per ticket: mean "
          f"{statistics.mean(fired):.1f}, none for {fired.count(0) / len(fired):.0%}")


if __name__ == "__main__":
    main()
