"""Routing rules in words: why a rule fired, and what it did (the card, the notices, `deskbot rules`)."""
from __future__ import annotations

from collections.abc import Iterable

from deskbot.catalog.words import Catalog, Safe
from deskbot.dispatch.cards import RuleLine

REASON_CHARS = 60  # of a matched value: a regex may match a long stretch of the text
FLAGS = frozenset({"contract", "attachments", "in_hours"})  # their value is yes or no: a key each


def why(texts: Catalog, reasons: Iterable[tuple[str, str]]) -> Safe:
    """"subject has «printer», domain client.ru"; "no conditions" for a rule that always fires."""
    words = [_say(texts.t, condition, value) for condition, value in reasons]
    return Safe(", ".join(words)) if words else texts.t("rule-why-always")


def why_plain(texts: Catalog, reasons: Iterable[tuple[str, str]]) -> str:
    words = [_say(texts.plain, condition, value) for condition, value in reasons]
    return ", ".join(words) if words else texts.plain("rule-why-always")


def _say(say, condition: str, value: str) -> str:
    if condition in FLAGS:
        return say(f"rule-why-{condition}-{'yes' if value == 'yes' else 'no'}")
    return say(f"rule-why-{condition}", value=_short(value))


def card_line(texts: Catalog, line: RuleLine) -> Safe:
    """"⚙️ Support, priority high, #printer, by rule «Printers» (subject has «printer»)"."""
    what: list[Safe] = []
    if line.department:
        what.append(texts.t("rule-what", what=line.department))
    if line.priority:
        what.append(texts.t("rule-did-priority", priority=texts.plain(f"priority-{line.priority}")))
    if line.tags:
        what.append(texts.t("rule-what", what=" ".join(f"#{tag}" for tag in line.tags)))
    return texts.t("card-rule", what=Safe(", ".join(what)), rule=line.rule, why=why(texts, line.reasons))


def _short(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= REASON_CHARS else value[:REASON_CHARS - 1] + "…"
