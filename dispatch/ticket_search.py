"""The cabinet's search in ticket subjects: a substring in any case (Cyrillic too), or a ticket's number.

Text of three characters or more is looked up in the trigram index (storage/search.py), which each
database keeps in step with the tickets by itself, newest first and at most MATCHES of them: a phrase
in every tenth subject of a big organization has ten thousand matches, and counting them all costs more
than the page (70 ms on SQLite); the page says when there are more and how to narrow them. Trigrams
cannot find shorter text ("1С", "ПК"), so that is looked for in the newest SHORT_SCAN tickets of the
list, and the page says so when the list holds more than that.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, column, func, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.storage import search
from deskbot.storage.models import Ticket

SHORT = 3  # characters a trigram needs
SHORT_SCAN = 2000
MATCHES = 500
BLOCK_BITS = 14  # PostgreSQL's index keys a ticket by id >> BLOCK_BITS too (migration 0018)
FIRST_WINDOW = 1 << 15
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
        numbers = list(await session.scalars(_indexed_sqlite(where, text, organization_id, customer_id)
                                             .limit(MATCHES + 1)))
    else:
        numbers = await _newest_postgres(session, where, text, whole_organization=organization_id is not None)
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


async def _newest_postgres(session: AsyncSession, where: ColumnElement[bool], text: str, *,
                           whole_organization: bool) -> list[int]:
    """The GIN index of pg_trgm gathers the matches among the newest FIRST_WINDOW numbers first (in blocks,
    migration 0018); from how many they hold, as many more blocks as should give more than MATCHES, or every
    block for a rare text. Then the newest are kept. Left to itself, the planner walks the organization's tickets newest first instead,
    reading every subject of it for a rare word (and many other organizations' tickets on the way)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    if not whole_organization:
        # One person's own tickets are few: read by the customer's index. The trigram index knows no customer,
        # and a plan made once for any text (a prepared statement's) took it for every common word: 20-30 ms.
        return list(await session.scalars(select(Ticket.id).where(where, (Ticket.subject + "").ilike(pattern, escape="\\"))
                                          .order_by(Ticket.id.desc()).limit(MATCHES + 1)))
    newest = await session.scalar(select(func.max(Ticket.id)))
    if newest is None:
        return []
    subject = Ticket.subject.ilike(pattern, escape="\\")
    block = Ticket.id.op(">>")(literal_column(str(BLOCK_BITS)))  # a literal: the index is on this expression
    window = FIRST_WINDOW
    while True:
        low = max(0, (newest - window) >> BLOCK_BITS)
        # every block at once without the condition: the index would otherwise join all of its blocks' lists
        matching = [where, subject] if low == 0 else [where, block >= low, subject]
        matches = select(Ticket.id).where(*matching).cte("matches").prefix_with("MATERIALIZED", dialect="postgresql")
        numbers = list(await session.scalars(select(matches.c.id).order_by(matches.c.id.desc()).limit(MATCHES + 1)))
        if len(numbers) > MATCHES or low == 0:
            return numbers
        covered = newest - (low << BLOCK_BITS) + 1
        window = newest if len(numbers) < 50 else math.ceil(covered * (MATCHES + 1) / len(numbers) * 1.25)


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
