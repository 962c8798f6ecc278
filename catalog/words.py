"""Every text a person reads, from catalog/locales/<lang>/deskbot.ftl: the words, as Telegram HTML or plain text.

Fluent (fluent.runtime) rather than gettext + Babel (aiogram.utils.i18n): .ftl files are read as shipped,
so an installed wheel and a fresh clone need no .mo compile step; CLDR plural forms (Russian one/few/many)
sit inside each message where the translator sees them, and a missing argument is reported, not printed.
Telegram's own rendering (cards, digests) is bot/render/texts.py.
"""
from __future__ import annotations

import html
import re
from datetime import timedelta
from functools import cache
from importlib.resources import files
from typing import Any

from fluent.runtime import FluentBundle
from fluent.runtime.types import fluent_number
from fluent.syntax import FluentParser, ast

LANGUAGES = ("en", "ru")
ALERT_LIMIT = 200  # a callback query's alert
ELLIPSIS = "…"

_TAG = re.compile(r"<[^>]*>")
_SLOT = re.compile("\ue000(\\d+)\ue001")


class Safe(str):
    """Text already rendered as Telegram HTML by this module: passed on without escaping."""


def utf16_len(text: str) -> int:
    # Telegram counts UTF-16 code units: an emoji is two.
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """Plain text cut to `limit` UTF-16 units, ending with "…" when something was cut."""
    if utf16_len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    kept, used = [], utf16_len(ELLIPSIS)
    for char in text:
        used += utf16_len(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ELLIPSIS


def visible_length(rendered: str) -> int:
    """What Telegram counts against its limits: the text without tags, entities decoded."""
    return utf16_len(html.unescape(_TAG.sub("", rendered)))


def catalog(lang: str) -> ast.Resource:
    """The parsed catalog of a language (tests compare the languages' keys and arguments)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no texts for language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    # importlib.resources: the catalogs are read from the installed package, wheel or checkout.
    # Without each node's place in the file (spans): nobody reads them, and they held half a megabyte.
    return FluentParser(with_spans=False).parse(
        files("deskbot.catalog").joinpath("locales", lang, "deskbot.ftl").read_text("utf-8"))


@cache
def _bundle(lang: str) -> FluentBundle:
    resource = catalog(lang)
    junk = [entry for entry in resource.body if isinstance(entry, ast.Junk)]
    if junk:
        raise ValueError(f"{lang}/deskbot.ftl does not parse near: {junk[0].content[:60]!r}")
    # Bidi isolation marks would be invisible noise in Telegram and count against its limits.
    bundle = FluentBundle([lang], use_isolating=False)
    bundle.add_resource(resource)
    return bundle


class Catalog:
    """The words of one language; build it once (app/) and pass it in."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._bundle = _bundle(lang)

    def t(self, key: str, **args: Any) -> Safe:
        """Telegram HTML; text arguments are escaped unless they are Safe."""
        return Safe(self._format(key, {name: _html_arg(value) for name, value in args.items()}))

    def plain(self, key: str, **args: Any) -> str:
        """For button labels and alerts, which Telegram shows as they are."""
        return self._format(key, {name: _arg(value) for name, value in args.items()})

    def alert(self, key: str, **args: Any) -> str:
        return cut(self.plain(key, **args), ALERT_LIMIT)

    def _format(self, key: str, args: dict[str, Any]) -> str:
        if not self._bundle.has_message(key):
            raise KeyError(f"no text {key!r} in {self.lang}/deskbot.ftl")
        # fluent.runtime refuses a placeable over 2,500 characters (its guard against
        # expansion attacks) and a mail excerpt is longer: text goes in after formatting.
        values = [value for value in args.values() if isinstance(value, str)]
        slots = iter(range(len(values)))
        fluent_args = {name: f"\ue000{next(slots)}\ue001" if isinstance(value, str) else value
                       for name, value in args.items()}
        text, errors = self._bundle.format_pattern(self._bundle.get_message(key).value, fluent_args)
        if errors:
            raise ValueError(f"text {key!r} in {self.lang}: {errors[0]}")
        return _SLOT.sub(lambda slot: values[int(slot.group(1))], str(text))

    # Durations ------------------------------------------------------------

    def duration(self, minutes: int) -> str:
        """ "1 h 30 min" / "1 ч 30 мин"; days once it passes a day (the age of a stale ticket)."""
        days, rest = divmod(max(minutes, 0), 24 * 60)
        hours, mins = divmod(rest, 60)
        if days:
            return self.plain("duration-days-hours", days=days, hours=hours) if hours else \
                self.plain("duration-days", days=days)
        if hours:
            return self.plain("duration-hours-minutes", hours=hours, minutes=mins) if mins else \
                self.plain("duration-hours", hours=hours)
        return self.plain("duration-minutes", minutes=mins)

    def month(self, month: str) -> str:
        """"2026-11" as people say it: "November 2026", "ноябрь 2026"."""
        year, number = month.split("-")
        return self.plain("month-name", month=int(number), year=int(year))

    def age(self, waited: timedelta) -> str:
        return self.duration(int(waited.total_seconds() // 60))


def _arg(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"a text argument must be str or int, not {type(value).__name__}")
    # Ticket numbers and Telegram ids are read and copied: never "123,456,789".
    return fluent_number(value, useGrouping=False) if isinstance(value, int) else value


def _html_arg(value: Any) -> Any:
    if isinstance(value, Safe):
        return str(value)
    if isinstance(value, str):
        return html.escape(value, quote=False)
    return _arg(value)
