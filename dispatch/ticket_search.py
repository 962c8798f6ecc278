"""The cabinet's search in ticket subjects: a substring in any case (Cyrillic too), or a ticket's number.

Text of three characters or more is looked up in the trigram index (storage/search.py), which each
database keeps in step with the tickets by itself. Trigrams cannot find shorter text ("1С", "ПК"), so
that is looked for in the newest SHORT_SCAN tickets of the list, and the page says so when the list
holds more than that.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, column, literal, literal_column, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.storage import search
from deskbot.storage.models import Ticket

SHORT = 3  # characters a trigram needs
SHORT_SCAN = 2000
_INDEX = table(search.SQLITE_TABLE, column("rowid"))


def indexed(text: str) -> bool:
    return len(text) >= SHORT


def matching(dialect: str, text: str, number: int | None, organization_id: int | None,
             customer_id: int) -> ColumnElement[bool]:
    """The tickets whose subject holds `text` (at least SHORT characters), or whose number is `number`.
    On SQLite the index is asked for the tickets of `organization_id` (when the asker sees the whole
    organization) and of `customer_id` only, which keeps a big organization's search to its own matches;
    the caller still adds the scope itself."""
    if dialect == "sqlite":
        scopes = [search.customer_token(customer_id)]
        if organization_id is not None:
            scopes.append(search.organization_token(organization_id))
        query = (f"scope : ({' OR '.join(search.phrase(token) for token in scopes)})"
                 f" AND subject : {search.phrase(text)}")
        found = select(_INDEX.c.rowid).where(literal_column(search.SQLITE_TABLE).match(query))
        if number is not None:
            found = found.union_all(select(literal(number)))
        return Ticket.id.in_(found)
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    by_subject = Ticket.subject.ilike(f"%{escaped}%", escape="\\")  # the GIN index of pg_trgm answers it
    return or_(Ticket.id == number, by_subject) if number is not None else by_subject


@dataclass(frozen=True)
class Scanned:
    numbers: list[int]  # newest first
    cut: bool  # the list holds more than SHORT_SCAN tickets: the older ones were not looked at


async def scan(session: AsyncSession, where: ColumnElement[bool], text: str, number: int | None) -> Scanned:
    """Short text: the newest SHORT_SCAN tickets of `where` whose subject holds `text` in any case, and
    the ticket `number` of `where` wherever it is."""
    rows = (await session.execute(select(Ticket.id, Ticket.subject).where(where)
                                  .order_by(Ticket.id.desc()).limit(SHORT_SCAN + 1))).all()
    cut, rows = len(rows) > SHORT_SCAN, rows[:SHORT_SCAN]
    wanted = text.lower()
    numbers = [n for n, subject in rows if wanted in (subject or "").lower() or n == number]
    if number is not None and number not in numbers and cut and rows and number < rows[-1][0]:
        if await session.scalar(select(Ticket.id).where(and_(where, Ticket.id == number))) is not None:
            numbers.append(number)
    return Scanned(numbers, cut)
