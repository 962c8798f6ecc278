"""The routing rules' engine: which rules a ticket fires, and why. Plain code: facts in, rules out.

Rules are compiled once from the config (`Rulebook.compile`): word lists become sets of lowercased
words, regular expressions are compiled, and the rules are indexed by trigger. A ticket's facts are
plain values the caller gathers (in business hours is a bool the caller asks the calendar for);
its words are split once per evaluation, and each rule checks its cheap conditions first, so that
hundreds of rules cost well under a millisecond (benchmarks/rules.py).

Within a rule set in "first" mode the first matching rule (in config order) acts and the rest of
that set is skipped; in "all" mode every matching rule acts.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from deskbot.dispatch.config_rules import Rule

_WORD = re.compile(r"\w+")  # Unicode-aware: Cyrillic words are words
TEXT_CHARS = 20_000  # of a mail's text, for words and regexes: a request says what it is about early on


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules may look at, of one ticket at one moment."""

    trigger: str  # new | reply | unassigned | unanswered | untouched
    sender: str = ""  # the address, lowercased
    organization: str | None = None  # the organization's domain
    contract: bool = False
    subject: str = ""
    text: str = ""
    request_type: str | None = None  # the web form's, only for requests written on the form
    attachments: bool = False
    in_hours: bool = True

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2]


@dataclass(frozen=True, slots=True)
class Reason:
    """Which condition held, and on what: (`subject`, "printer"). The faces say it in words."""

    condition: str
    value: str


@dataclass(frozen=True, slots=True)
class Actions:
    department: str = ""
    assign: str | int = ""
    pool: tuple[str | int, ...] = ()
    priority: str | None = None
    tags: tuple[str, ...] = ()
    notify: tuple[str | int, ...] = ()
    reply: str = ""


@dataclass(frozen=True, slots=True)
class Fired:
    rule: str
    set: str
    reasons: tuple[Reason, ...]
    actions: Actions


class _Words:
    """A text's words, split once: single words by set membership, phrases by their place among the words."""

    __slots__ = ("_text", "_words", "_joined")

    def __init__(self, text: str) -> None:
        self._text = text
        self._words: set[str] | None = None
        self._joined = ""

    def words(self) -> set[str]:
        if self._words is None:
            self._words = set(_WORD.findall(self._text.lower()))
        return self._words

    def has(self, phrase: tuple[str, ...]) -> bool:
        words = self.words()
        if len(phrase) == 1:
            return phrase[0] in words
        if not words.issuperset(phrase):
            return False
        if not self._joined:  # the words in their order, once a phrase needs it
            self._joined = " " + " ".join(_WORD.findall(self._text.lower())) + " "
        return " " + " ".join(phrase) + " " in self._joined


class _Seen:
    """The words of one ticket's subject and text, split when a rule first asks; regexes' answers, kept."""

    __slots__ = ("facts", "subject", "text", "parts", "found")

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.parts = {"subject": facts.subject, "text": facts.text[:TEXT_CHARS]}
        self.subject = _Words(self.parts["subject"])
        self.text = _Words(self.parts["text"])
        self.found: dict[tuple[re.Pattern, str], str | None] = {}  # rules often share a pattern


Check = Callable[[_Seen], str | None]  # the value that matched, or None


def _phrases(items: Iterable[str]) -> tuple[tuple[tuple[str, ...], str], ...]:
    found = ((tuple(_WORD.findall(item.lower())), item) for item in items)
    return tuple((words, item) for words, item in found if words)  # no letters or digits: matches nothing


def _words_check(phrases: tuple[tuple[tuple[str, ...], str], ...], part: str) -> Check:
    singles = {words[0]: item for words, item in phrases if len(words) == 1}
    longer = [(words, item) for words, item in phrases if len(words) > 1]

    def check(seen: _Seen) -> str | None:
        found: _Words = getattr(seen, part)
        words = found.words()
        if singles and not words.isdisjoint(singles):
            return next(singles[w] for w in singles if w in words)
        for words_of, item in longer:
            if found.has(words_of):
                return item
        return None
    return check


def _regex_check(pattern: str, part: str) -> Check:
    compiled = re.compile(pattern, re.IGNORECASE)  # re caches compiled patterns: a shared one is one object
    key = (compiled, part)

    def check(seen: _Seen) -> str | None:
        if key not in seen.found:
            match = compiled.search(seen.parts[part])
            seen.found[key] = match.group(0) if match else None
        return seen.found[key]
    return check


def _one_of(values: Sequence[str], fact: Callable[[Facts], str | None]) -> Check:
    wanted = frozenset(values)

    def check(seen: _Seen) -> str | None:
        value = fact(seen.facts)
        return value if value in wanted else None
    return check


def _flag(expected: bool, fact: Callable[[Facts], bool]) -> Check:
    def check(seen: _Seen) -> str | None:
        return ("yes" if expected else "no") if fact(seen.facts) == expected else None
    return check


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    checks: tuple[tuple[str, Check], ...]  # cheapest first
    actions: Actions

    @property
    def name(self) -> str:
        return self.rule.name

    def reasons(self, seen: _Seen) -> tuple[Reason, ...] | None:
        found = []
        for condition, check in self.checks:
            value = check(seen)
            if value is None:
                return None
            found.append(Reason(condition, value))
        return tuple(found)


def compile_rule(rule: Rule) -> CompiledRule:
    """The rule's conditions as checks, in the order they cost: flags and lookups, words, regexes."""
    checks: list[tuple[str, Check]] = []
    for name, expected, fact in (("contract", rule.contract, lambda f: f.contract),
                                 ("attachments", rule.attachments, lambda f: f.attachments),
                                 ("in_hours", rule.in_hours, lambda f: f.in_hours)):
        if expected is not None:
            checks.append((name, _flag(expected, fact)))
    for name, values, fact in (("request_type", rule.request_type, lambda f: f.request_type),
                               ("from", rule.sender, lambda f: f.sender),
                               ("domain", rule.domain, lambda f: f.domain),
                               ("organization", rule.organization, lambda f: f.organization)):
        if values:
            checks.append((name, _one_of(values, fact)))
    if rule.subject:
        checks.append(("subject", _words_check(_phrases(rule.subject), "subject")))
    if rule.subject_regex:
        checks.append(("subject_regex", _regex_check(rule.subject_regex, "subject")))
    if rule.text:
        checks.append(("text", _words_check(_phrases(rule.text), "text")))
    if rule.text_regex:
        checks.append(("text_regex", _regex_check(rule.text_regex, "text")))
    actions = Actions(department=rule.department, assign=rule.assign, pool=tuple(rule.pool), priority=rule.priority,
                      tags=tuple(rule.tags), notify=tuple(rule.notify), reply=rule.reply)
    return CompiledRule(rule, tuple(checks), actions)


def _key(rule: Rule) -> tuple[str, list[str]] | None:
    """A condition the rule cannot match without, as values to look up: one of them must be among the
    ticket's (its sender, domain, ... or a word of its subject or text). None: the rule is always tried."""
    for kind, values in (("from", rule.sender), ("request_type", rule.request_type), ("domain", rule.domain),
                         ("organization", rule.organization)):
        if values:
            return kind, values
    for kind, items in (("subject", rule.subject), ("text", rule.text)):
        phrases = [words for words, _ in _phrases(items)]
        if phrases:  # any word of a phrase must be there: the longest is the rarest
            return kind, [max(words, key=len) for words in phrases]
    return None


@dataclass(slots=True)
class _Index:
    """A trigger's rules, and which of them a ticket's facts could match at all."""

    rules: list[CompiledRule] = field(default_factory=list)
    always: list[int] = field(default_factory=list)  # positions of the rules with nothing to look up
    keys: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # kind -> value -> positions

    def add(self, compiled: CompiledRule) -> None:
        position = len(self.rules)
        self.rules.append(compiled)
        key = _key(compiled.rule)
        if key is None:
            self.always.append(position)
            return
        kind, values = key
        for value in dict.fromkeys(values):
            self.keys.setdefault(kind, {}).setdefault(value, []).append(position)

    def candidates(self, seen: _Seen) -> list[CompiledRule]:
        """The rules worth trying, in config order."""
        facts, hit = seen.facts, set(self.always)
        for kind, value in (("from", facts.sender), ("request_type", facts.request_type), ("domain", facts.domain),
                            ("organization", facts.organization)):
            index = self.keys.get(kind)
            if index and value is not None:
                hit.update(index.get(value, ()))
        for kind, words_of in (("subject", seen.subject), ("text", seen.text)):
            index = self.keys.get(kind)
            if index:
                words = words_of.words()
                for word in (index.keys() & words) if len(index) < len(words) else (words & index.keys()):
                    hit.update(index[word])
        return [self.rules[position] for position in sorted(hit)]


@dataclass(slots=True)
class Rulebook:
    """The desk's rules, compiled and indexed by trigger."""

    by_trigger: dict[str, _Index] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)  # set -> first | all; a set not listed is "first"

    @classmethod
    def compile(cls, rules: Iterable[Rule], modes: Mapping[str, str] | None = None) -> Rulebook:
        book = cls(modes=dict(modes or {}))
        for rule in rules:
            book.by_trigger.setdefault(rule.on, _Index()).add(compile_rule(rule))
        return book

    def __bool__(self) -> bool:
        return any(index.rules for index in self.by_trigger.values())

    def rules(self, trigger: str) -> list[CompiledRule]:
        index = self.by_trigger.get(trigger)
        return index.rules if index is not None else []

    def waits(self, trigger: str) -> list[timedelta]:
        """The distinct `after`s of a time trigger's rules, shortest first (a sweep asks per wait)."""
        return sorted({r.rule.after for r in self.rules(trigger) if r.rule.after is not None})

    def evaluate(self, facts: Facts, only: Callable[[CompiledRule], bool] | None = None,
                 settled: Iterable[str] = ()) -> list[Fired]:
        """The rules that fire for these facts, in config order, with the reasons; `only` narrows the
        candidates (a time sweep: the rules of one wait not yet fired on the ticket); `settled`: "first"
        sets that already had their match on this ticket (a time sweep: by an earlier firing)."""
        seen = _Seen(facts)
        settled = {name for name in settled if self.modes.get(name, "first") == "first"}
        fired: list[Fired] = []
        index = self.by_trigger.get(facts.trigger)
        for compiled in index.candidates(seen) if index is not None else ():
            rule_set = compiled.rule.set
            if rule_set in settled or (only is not None and not only(compiled)):
                continue
            reasons = compiled.reasons(seen)
            if reasons is None:
                continue
            fired.append(Fired(compiled.name, rule_set, reasons, compiled.actions))
            if self.modes.get(rule_set, "first") == "first":
                settled.add(rule_set)
        return fired
