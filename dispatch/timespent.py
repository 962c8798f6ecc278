"""How long a ticket took, as a specialist types it on a phone when closing it.

"1h 30m", "1h30", "1:30", "1.5h", "1,5 ч", "45 min", "45 мин" and a bare "90"
(minutes) all read; anything else is refused with a reason the bot can explain,
so that nonsense never turns into a silent zero in a client's monthly report.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

# One ticket is one sitting of work: more than a day is a typo ("90h" for "90m").
MAX_MINUTES = 24 * 60

# The quick buttons under "how long did it take?"; "no charge" is separate.
QUICK_MINUTES = (15, 30, 60, 120)

_HOURS = {"h", "hr", "hrs", "hour", "hours", "ч", "час", "часа", "часов"}
_MINUTES = {
    "m", "min", "mins", "minute", "minutes",
    "м", "мин", "минута", "минуты", "минут", "минуту",
}
_TOKEN = re.compile(r"(?P<sign>[-−])?\s*(?P<number>\d+(?:[.,]\d+)?)\s*(?P<unit>[a-zа-яё]+\.?)?")
_CLOCK = re.compile(r"(\d{1,2}):([0-5]\d)")


class TimeSpentError(ValueError):
    """`reason` names the catalog text that tells the specialist what to fix."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason  # not_understood | zero | negative | too_long
        self.text = text


def parse_time_spent(text: str) -> int:
    """Minutes in `text`; raises TimeSpentError when they cannot be recorded as typed."""
    cleaned = " ".join(text.lower().split())
    clock = _CLOCK.fullmatch(cleaned)
    if clock:
        minutes = Decimal(int(clock.group(1)) * 60 + int(clock.group(2)))
    else:
        minutes = _read_parts(cleaned, text)
    whole = int(minutes.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if whole == 0:
        raise TimeSpentError("zero", text)
    if whole > MAX_MINUTES:
        raise TimeSpentError("too_long", text)
    return whole


def _read_parts(cleaned: str, original: str) -> Decimal:
    pos, total, seen = 0, Decimal(0), []
    for match in _TOKEN.finditer(cleaned):
        if cleaned[pos:match.start()].strip() or len(seen) == 2:
            break
        unit = _unit(match.group("unit"), seen)
        if unit is None:
            break
        if match.group("sign"):
            if seen:  # "1h -30m" is no arithmetic we should guess at
                break
            raise TimeSpentError("negative", original)
        total += Decimal(match.group("number").replace(",", ".")) * (60 if unit == "h" else 1)
        seen.append(unit)
        pos = match.end()
    if not seen or cleaned[pos:].strip():
        raise TimeSpentError("not_understood", original)
    return total


def _unit(word: str | None, seen: list[str]) -> str | None:
    """"h" or "m", or None when the word is no unit or breaks the hours-then-minutes order."""
    if word is None:
        # A bare number is minutes: alone ("90") or after hours ("1h30").
        return "m" if seen in ([], ["h"]) else None
    word = word.rstrip(".")
    unit = "h" if word in _HOURS else "m" if word in _MINUTES else None
    if unit is None or unit in seen or (unit == "h" and seen):
        return None
    return unit
