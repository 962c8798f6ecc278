"""The routing rules' part of the config: `[rule_sets]`, `[[rules]]`, `[[mail_templates]]`.

Each rule is one table: when (`on`, `after`), if (conditions, all must hold; a list means any of
its items), then (actions). The engine that evaluates them is dispatch/routing.py; what they name
(departments, staff, templates) is checked against the rest of the config by `cross_check`.
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from deskbot.dispatch.durations import parse_duration

Trigger = Literal["new", "reply", "unassigned", "unanswered", "untouched"]
TIMED: frozenset[str] = frozenset({"unassigned", "unanswered", "untouched"})
Priority = Literal["low", "normal", "high", "urgent"]
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
SetMode = Literal["first", "all"]


def _listed(value: Any) -> Any:
    """A single value where a list is expected: `from = "boss@client.ru"` reads as a list of one."""
    return [value] if isinstance(value, (str, int)) else value


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


Words = Annotated[list[str], BeforeValidator(_listed)]
Names = Annotated[list[str | int], BeforeValidator(_listed)]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1, max_length=200)
    set: str = Field("default", min_length=1, max_length=64)
    on: Trigger = "new"
    after: Annotated[timedelta | None, BeforeValidator(_duration)] = None
    # Conditions.
    sender: Words = Field([], alias="from")
    domain: Words = []
    organization: Words = []
    contract: bool | None = None
    subject: Words = []
    subject_regex: str = ""
    text: Words = []
    text_regex: str = ""
    request_type: Words = []
    attachments: bool | None = None
    in_hours: bool | None = None
    # Actions.
    department: str = ""
    assign: str | int = ""
    pool: Names = []  # one of these people: the available one with the fewest open tickets
    priority: Priority | None = None
    tags: Words = []
    notify: Names = []
    reply: str = ""

    @field_validator("sender", "domain", "organization", "request_type", "tags")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [v.strip().lower() for v in values if v.strip()]

    @field_validator("subject", "text")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        if any(not re.search(r"\w", v) for v in values):
            raise ValueError("a word without letters or digits matches nothing: remove it")
        return values

    @field_validator("subject_regex", "text_regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        if value:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression at position {exc.pos}: {exc.msg}") from None
        return value

    @field_validator("after")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("after must be longer than nothing, e.g. \"30m\"")
        return value

    @model_validator(mode="after")
    def _when(self) -> Rule:
        if self.on in TIMED and self.after is None:
            raise ValueError(f'on = "{self.on}" needs after, e.g. after = "30m"')
        if self.on not in TIMED and self.after is not None:
            raise ValueError(f'after is only for on = "unassigned", "unanswered" or "untouched", not "{self.on}"')
        if not self.has_actions:
            raise ValueError("the rule does nothing: give it department, assign, pool, priority, tags, notify or reply")
        if self.assign != "" and self.pool:
            raise ValueError("assign and pool both name who gets the ticket: keep one")
        return self

    @property
    def has_actions(self) -> bool:
        return bool(self.department or self.assign != "" or self.pool or self.priority or self.tags or self.notify
                    or self.reply)


class MailTemplate(BaseModel):
    """An e-mail a rule sends the customer (`reply = "key"`); {number} {subject} {name} are filled in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    subject: dict[Literal["en", "ru"], str] = {}  # empty: "Re: [#N] the ticket's subject"
    text: dict[Literal["en", "ru"], str]

    @field_validator("text")
    @classmethod
    def _english(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("en", "").strip():
            raise ValueError('text needs at least en, e.g. text = { en = "...", ru = "..." }')
        return value

    @field_validator("subject", "text")
    @classmethod
    def _placeholders(cls, value: dict[str, str]) -> dict[str, str]:
        for words in value.values():
            unknown = sorted(set(re.findall(r"\{(\w*)\}", words)) - {"number", "subject", "name"})
            if unknown:
                raise ValueError(f"unknown placeholder {{{unknown[0]}}} (known: {{number}} {{subject}} {{name}})")
        return value

    def words(self, lang: str) -> tuple[str, str]:
        """(subject, text) in `lang`, English where that language has none."""
        return self.subject.get(lang) or self.subject.get("en", ""), self.text.get(lang) or self.text["en"]


def cross_check(config: Any) -> list[InitErrorDetails]:
    """What the rules name that the rest of the `Config` does not have; each problem names its own key.
    (Not typed as Config: that module imports this one, and this one stays plain code.)"""
    problems: list[InitErrorDetails] = []
    departments = {d.key for d in config.departments}
    staff = {m.name for m in config.staff} | {m.telegram_id for m in config.staff}
    templates: set[str] = set()
    for number, template in enumerate(config.mail_templates):
        if template.key in templates:
            problems.append(_problem(("mail_templates", number, "key"), template.key, "duplicate_template",
                                     "[[mail_templates]] has this key twice"))
        templates.add(template.key)
    for set_name in config.rule_sets:
        if not any(rule.set == set_name for rule in config.rules):
            problems.append(_problem(("rule_sets", set_name), set_name, "unknown_set",
                                     "no [[rules]] is in the set '{set}'", set=set_name))
    names: set[str] = set()
    for number, rule in enumerate(config.rules):
        def problem(field: str, value: Any, message: str, **context: Any) -> None:
            problems.append(_problem(("rules", number, field), value, "rule_" + field,
                                     "rule '{rule}': " + message, rule=rule.name, **context))

        if rule.name in names:
            problem("name", rule.name, "another rule has this name (names are shown on cards: make them unique)")
        names.add(rule.name)
        if rule.department and rule.department not in departments:
            problem("department", rule.department, "unknown department '{key}'{known}",
                    key=rule.department, known=_known(departments, "[[departments]]"))
        if rule.assign != "" and rule.assign not in staff:
            problem("assign", rule.assign, "nobody in [[staff]] is '{who}' (a name or a telegram_id)", who=rule.assign)
        for field in ("pool", "notify"):
            for who in getattr(rule, field):
                if who not in staff:
                    problem(field, getattr(rule, field), "nobody in [[staff]] is '{who}' (a name or a telegram_id)",
                            who=who)
        if rule.reply and rule.reply not in templates:
            problem("reply", rule.reply, "unknown mail template '{key}'{known}",
                    key=rule.reply, known=_known(templates, "[[mail_templates]]"))
        if rule.request_type:
            kinds = {kind.key for kind in config.web.request_types}
            for key in rule.request_type:
                if key not in kinds:
                    problem("request_type", rule.request_type, "unknown request type '{key}'{known}",
                            key=key, known=_known(kinds, "[[web.request_types]]"))
    return problems


def _known(keys: set[str], table: str) -> str:
    return f" (known: {', '.join(sorted(keys))})" if keys else f" ({table} is empty)"


def _problem(loc: tuple[str | int, ...], value: Any, kind: str, message: str, **context: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message, context), loc=loc, input=value)
