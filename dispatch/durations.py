"""Human durations in the config: "30s", "5m", "1h30m", "1h 30m", "14d"."""
from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_duration(text: str) -> timedelta:
    """Read a duration such as "5m" or "1h 30m"; raises ValueError on anything else."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise ValueError("empty duration")
    pos, seconds = 0, 0.0
    for match in _PART.finditer(cleaned):
        if cleaned[pos:match.start()].strip():
            break
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos == 0 or cleaned[pos:].strip():
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 1h30m, 14d)")
    return timedelta(seconds=seconds)


def parse_size(text: str | int) -> int:
    """Read a byte size such as "25MB", "512KB" or a plain number of bytes."""
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*", text.lower())
    if not match:
        raise ValueError(f"not a size: {text!r} (use e.g. 512KB, 25MB)")
    factor = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}[match.group(2) or "b"]
    return int(float(match.group(1)) * factor)
