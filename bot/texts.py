"""Every text a person reads, from bot/locales/<lang>/deskbot.ftl, fitted to Telegram's limits.

Fluent (fluent.runtime) rather than gettext + Babel (aiogram.utils.i18n): .ftl files are read as shipped,
so an installed wheel and a fresh clone need no .mo compile step; CLDR plural forms (Russian one/few/many)
sit inside each message where the translator sees them, and a missing argument is reported, not printed.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib.resources import files
from typing import Any

from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.types import fluent_number
from fluent.syntax import ast

from deskbot.dispatch.rules import Digest, WaitingTicket
from deskbot.dispatch.timespent import MAX_MINUTES

LANGUAGES = ("en", "ru")
MESSAGE_LIMIT = 4096  # visible characters of a message, in UTF-16 code units
ALERT_LIMIT = 200  # a callback query's alert
ELLIPSIS = "…"

# Caps on what a sender controls, so that a card always has room for the mail's excerpt.
SUBJECT_CHARS = 300
NAME_CHARS = 100
ADDRESS_CHARS = 254
ORGANIZATION_CHARS = 100
# Digest lines, (subject, sender) characters, widest first: 20 messages a minute must list a
# burst of hundreds of tickets, so the bigger the burst, the shorter its lines. The last
# drops the sender: 2,000 tickets in 18 messages.
DIGEST_STYLES = ((48, 24), (32, 16), (24, 12), (18, 8), (16, 0))
DIGEST_SUBJECT_CHARS = DIGEST_STYLES[0][0]

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


@dataclass(frozen=True, slots=True)
class TicketCard:
    number: int
    subject: str
    customer_name: str
    customer_address: str
    organization: str | None
    excerpt: str  # clean text: quoted history and signatures already trimmed
    attachments: int
    follows: int | None = None  # the closed ticket this one continues


def catalog(lang: str) -> ast.Resource:
    """The parsed catalog of a language (tests compare the languages' keys and arguments)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no texts for language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    # importlib.resources: the catalogs are read from the installed package, wheel or checkout.
    return FluentResource(files("deskbot.bot").joinpath("locales", lang, "deskbot.ftl").read_text("utf-8"))


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


class Texts:
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

    def time_spent_error(self, reason: str, text: str) -> Safe:
        """The re-prompt for what parse_time_spent refused, per its reason."""
        return self.t(f"time-spent-{reason}", text=cut(text, 100), hours=MAX_MINUTES // 60)

    # Cards and digests ----------------------------------------------------

    def card(self, ticket: TicketCard, *, header: Safe | None = None, footer: Safe | None = None,
             limit: int = MESSAGE_LIMIT) -> Safe:
        """The ticket as one message; the excerpt is what gets cut to stay within `limit`."""
        subject = cut(ticket.subject.strip(), SUBJECT_CHARS) or self.plain("card-no-subject")
        address = cut(ticket.customer_address, ADDRESS_CHARS)
        name = cut(ticket.customer_name.strip(), NAME_CHARS)
        head = [header] if header else []
        head.append(self.t("card-title", number=ticket.number, subject=subject))
        if name:
            head.append(self.t("card-from", name=name, address=address))
        elif address:
            head.append(self.t("card-from-address", address=address))
        else:  # a mail made a ticket from quarantine, whose sender could not be read
            head.append(self.t("card-no-reply-address"))
        if ticket.organization:
            head.append(self.t("card-organization",
                               organization=cut(ticket.organization, ORGANIZATION_CHARS)))
        if ticket.attachments:
            head.append(self.t("card-attachments", count=ticket.attachments))
        if ticket.follows:
            head.append(self.t("card-follows", number=ticket.follows))
        tail = [footer] if footer else []
        excerpt = ticket.excerpt.strip()
        if not excerpt:
            return Safe("\n".join([*head, self.t("card-no-text"), *tail]))
        # Escaping changes nothing Telegram counts, so the room left is exact.
        room = limit - visible_length("\n".join([*head, self.t("card-excerpt", excerpt=""), *tail]))
        if room < 1:
            raise ValueError(f"ticket {ticket.number}: header and footer leave no room for the text")
        body = self.t("card-excerpt", excerpt=cut(excerpt, room))
        return Safe("\n".join([*head, body, *tail]))

    def with_body(self, header: Safe, body: str, limit: int = MESSAGE_LIMIT) -> Safe:
        """A header and a person's text under it, the text cut to fit one message (the whole is on the ticket)."""
        room = limit - visible_length(header) - 1
        return Safe(f"{header}\n{html.escape(cut(body.strip(), room), quote=False)}")

    def digest_line(self, ticket: WaitingTicket, age: timedelta | None = None, style: int = 0) -> Safe:
        subject_chars, sender_chars = DIGEST_STYLES[style]
        subject = cut(ticket.subject.strip(), subject_chars) or self.plain("card-no-subject")
        if not sender_chars:
            if age is None:
                return self.t("digest-line-short", number=ticket.number, subject=subject)
            return self.t("digest-line-short-age", number=ticket.number, subject=subject, age=self.age(age))
        sender = cut(ticket.sender.strip(), sender_chars)
        if age is None:
            return self.t("digest-line", number=ticket.number, subject=subject, sender=sender)
        return self.t("digest-line-age", number=ticket.number, subject=subject, sender=sender,
                      age=self.age(age))

    def line_length(self, ticket: WaitingTicket, style: int = 0, *, with_age: bool = False) -> int:
        """The measure that dispatch.rules packs digests with; a stale ticket's age is the longest."""
        age = timedelta(days=999, hours=23) if with_age else None
        return visible_length(self.digest_line(ticket, age, style)) + 1  # and its newline

    def digest(self, digest: Digest, *, total: int, waiting: bool = False,
               ages: dict[int, timedelta] | None = None) -> Safe:
        """One digest message: "300 new tickets (part 2 of 4)", a line per ticket, "...and 40 more"."""
        header = self.t("digest-waiting" if waiting else "digest-new", count=total)
        if digest.parts > 1:
            header = Safe(f"{header} {self.t('digest-part', part=digest.part, parts=digest.parts)}")
        lines = [self.digest_line(ticket, ages.get(ticket.number) if ages else None, digest.style)
                 for ticket in digest.tickets]
        if digest.more:
            lines.append(self.t("list-more", count=digest.more))
        return Safe("\n".join([header, *lines]))


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
