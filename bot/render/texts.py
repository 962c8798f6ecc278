"""Telegram's rendering of the catalog's words (deskbot.catalog): ticket cards and digests, fitted to its limits."""
from __future__ import annotations

import html
from datetime import timedelta

from deskbot.catalog.words import Catalog, Safe, cut, utf16_len, visible_length  # noqa: F401  (bot/ imports them here)
from deskbot.dispatch.cards import TicketCard
from deskbot.dispatch.rules import Digest, WaitingTicket
from deskbot.dispatch.timespent import MAX_MINUTES

MESSAGE_LIMIT = 4096  # visible characters of a message, in UTF-16 code units

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


class Texts(Catalog):
    """The catalog, with what only Telegram shows: cards, digests, the time-spent re-prompt."""

    def time_spent_error(self, reason: str, text: str) -> Safe:
        """The re-prompt for what parse_time_spent refused, per its reason."""
        return self.t(f"time-spent-{reason}", text=cut(text, 100), hours=MAX_MINUTES // 60)

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
        if ticket.priority != "normal":
            head.append(self.t(f"card-priority-{ticket.priority}"))
        if ticket.tags:
            head.append(self.t("card-tags", tags=" ".join(f"#{tag}" for tag in ticket.tags)))
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
