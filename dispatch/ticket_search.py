"""The cabinet's search in ticket subjects: a substring in any case (Cyrillic too), or a ticket's number.

Text of three characters or more is looked up in the trigram index (storage/search.py), which each
database keeps in step with the tickets by itself, newest first and at most MATCHES of them: a phrase
in every tenth subject of a big organization has ten thousand matches, and counting them all costs more
than the page (70 ms on SQLite); the page says when there are more and how to narrow them. Trigrams
cannot find shorter text ("1С", "ПК"), so that is looked for in the newest SHORT_SCAN tickets of the
list, and the page says so when the list holds more than that.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, column, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.storage import search
from deskbot.storage.models import Ticket

SHORT = 3  # characters a trigram needs
SHORT_SCAN = 2000
MATCHES = 1000
_INDEX = table(search.SQLITE_TABLE, column("rowid"))


@dataclass(frozen=True)
class Found:
    numbers: list[int]  # newest first
    scanned: int | None = None  # short text: only the newest this many tickets of the list were looked at
    more_than: int | None = None  # more tickets match: only the newest this many are listed


async def find(session: AsyncSession, where: ColumnElement[bool], text: str, number: int | None,
               organization_id: int | None, customer_id: int) -> Found:
    """The tickets of `where` whose subject holds `text`, and the ticket `number` of `where` wherever it is.
    `organization_id` (when the asker sees the whole organization) and `customer_id` let SQLite's index
    keep to the asker's own tickets; `where` still scopes them."""
    if len(text) < SHORT:
        return await _scan(session, where, text, number)
    if session.get_bind().dialect.name == "sqlite":
        query = _indexed_sqlite(where, text, organization_id, customer_id)
    else:
        query = _indexed_postgres(where, text)
    numbers = list(await session.scalars(query.limit(MATCHES + 1)))
    more = len(numbers) > MATCHES
    numbers = numbers[:MATCHES]
    if number is not None and number not in numbers and await _within(session, where, number):
        numbers = sorted([*numbers, number], reverse=True)
    return Found(numbers, more_than=MATCHES if more else None)


def _indexed_sqlite(where: ColumnElement[bool], text: str, organization_id: int | None,
                    customer_id: int) -> Select:
    """FTS5 lists the matches of the asker's organization or own tickets newest first by itself (its rowid
    order), so LIMIT stops it early; each is checked against `where` by its primary key."""
    scopes = [search.customer_token(customer_id)]
    if organization_id is not None:
        scopes.append(search.organization_token(organization_id))
    match = f"scope : ({' OR '.join(search.phrase(token) for token in scopes)}) AND subject : {search.phrase(text)}"
    return (select(Ticket.id).select_from(_INDEX).join(Ticket, Ticket.id == _INDEX.c.rowid)
            .where(literal_column(search.SQLITE_TABLE).match(match), where).order_by(_INDEX.c.rowid.desc()))


def _indexed_postgres(where: ColumnElement[bool], text: str) -> Select:
    """The GIN index of pg_trgm gathers the matches, then the newest are kept. Left to itself, the planner
    walks the organization's tickets newest first instead, reading every subject of it for a rare word
    (and, for a common phrase, tens of thousands of other organizations' tickets on the way)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matches = select(Ticket.id).where(where, Ticket.subject.ilike(f"%{escaped}%", escape="\\")) \
        .cte("matches").prefix_with("MATERIALIZED", dialect="postgresql")
    return select(matches.c.id).order_by(matches.c.id.desc())


async def _within(session: AsyncSession, where: ColumnElement[bool], number: int) -> bool:
    return await session.scalar(select(Ticket.id).where(and_(where, Ticket.id == number))) is not None


async def _scan(session: AsyncSession, where: ColumnElement[bool], text: str, number: int | None) -> Found:
    """Short text: the newest SHORT_SCAN tickets of `where` whose subject holds `text` in any case."""
    rows = (await session.execute(select(Ticket.id, Ticket.subject).where(where)
                                  .order_by(Ticket.id.desc()).limit(SHORT_SCAN + 1))).all()
    cut, rows = len(rows) > SHORT_SCAN, rows[:SHORT_SCAN]
    wanted = text.lower()
    numbers = [n for n, subject in rows if wanted in (subject or "").lower() or n == number]
    if number is not None and number not in numbers and cut and number < rows[-1][0]:
        if await _within(session, where, number):
            numbers.append(number)
    return Found(numbers, scanned=SHORT_SCAN if cut else None)
