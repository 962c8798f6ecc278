"""[sla]: the desk's first-response and resolution targets, in business time of [calendar].

A target is an amount of business time ("4h", "27h": a day is 24 hours of it, so three working
days of nine hours are "27h"); "" or no key: no target. Targets per priority (when tickets have
one) override the desk's; a contract's own targets (`deskbot contracts edit --first-response`)
override both.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from deskbot.dispatch.durations import parse_duration
from deskbot.dispatch.sla import Targets

PRIORITIES = ("low", "normal", "high", "urgent")


def _target(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value) if value.strip() else None
    return value


def _positive(value: timedelta | None) -> timedelta | None:
    if value is not None and value <= timedelta(0):
        raise ValueError("a target must be longer than nothing (\"\" for none)")
    return value


Target = Annotated[timedelta | None, BeforeValidator(_target), AfterValidator(_positive)]


class TargetsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    first_response: Target = None
    resolution: Target = None


class SlaConfig(TargetsConfig):
    warn_at: float = Field(0.8, gt=0, lt=1)  # the share of a target at which the assignee is warned
    priorities: dict[Literal["low", "normal", "high", "urgent"], TargetsConfig] = {}

    def targets(self, priority: str | None = None) -> Targets:
        """The desk's targets for a ticket of `priority` (None: the desk default)."""
        special = self.priorities.get(priority) if priority else None  # type: ignore[call-overload]
        first = special.first_response if special and special.first_response else self.first_response
        resolution = special.resolution if special and special.resolution else self.resolution
        return Targets(first, resolution, self.warn_at)

    @property
    def any(self) -> bool:
        return bool(self.first_response or self.resolution
                    or any(p.first_response or p.resolution for p in self.priorities.values()))
