"""The trigram index behind the cabinet's subject search (migration 0016), kept outside the models.

A substring such as "ринтер" or "не работ" has no B-tree index to use, and reading every subject of an
organization of 100,000 tickets takes 70-250 ms. So each database keeps a trigram index of the subjects:

- PostgreSQL: a GIN index on (organization_id, id >> 14, subject gin_trgm_ops) (extensions pg_trgm and
  btree_gin, both in PostgreSQL's contrib; the blocks of numbers since migration 0018). `subject ILIKE
  '%...%'` of one organization, among its newest tickets or all, is answered from it at once.
- SQLite: a contentless FTS5 table `ticket_search` (tokenizer `trigram`, case-insensitive) with two
  columns: `subject`, and `scope`, three-character tokens naming the ticket's organization and customer
  (`scope_token`), so that FTS5 itself keeps a search to one organization or customer instead of
  listing the subject's matches in every organization. Triggers on `tickets` keep it in step with every
  insert, update of the subject, organization or customer, and delete, whatever code path writes them.

Trigrams need three characters: shorter text is looked for another way (dispatch/ticket_search.py).
"""
from __future__ import annotations

REVISION = "0016"  # the migration that makes the index (tests go down to the one before it)
SQLITE_TABLE = "ticket_search"
# The FTS5 table and the shadow tables SQLite makes for it (contentless, columnsize=0).
SQLITE_TABLES = frozenset({SQLITE_TABLE, f"{SQLITE_TABLE}_data", f"{SQLITE_TABLE}_idx", f"{SQLITE_TABLE}_config"})
POSTGRES_INDEX = "ix_tickets_search"
OBJECTS = SQLITE_TABLES | {POSTGRES_INDEX}

# Private-use code points (plane 15) that no subject holds: organizations from U+F0000, customers from
# U+F1000, 12 bits in each of three characters. The migration's triggers compute the same in SQL.
_ORGANIZATION, _CUSTOMER = 0xF0000, 0xF1000


def _token(base: int, number: int) -> str:
    return "".join(chr(base + ((number >> shift) & 0xFFF)) for shift in (24, 12, 0))


def organization_token(number: int) -> str:
    return _token(_ORGANIZATION, number)


def customer_token(number: int) -> str:
    return _token(_CUSTOMER, number)


def phrase(text: str) -> str:
    """`text` as one FTS5 string: every character literal (a trigram phrase matches it as a substring)."""
    return '"' + text.replace('"', '""') + '"'


def managed(name: str | None, type_: str, _parents: dict) -> bool:
    """For Alembic's include_name: the trigram index is made by hand, so autogenerate must not drop it."""
    return name not in OBJECTS
