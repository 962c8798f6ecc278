"""A trigram index for the cabinet's search in ticket subjects (storage/search.py): on PostgreSQL a GIN
index of pg_trgm and btree_gin on (organization_id, subject); on SQLite a contentless FTS5 table with the
trigram tokenizer, filled from the tickets here and kept in step by triggers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 03:20:00
"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# What storage.search.organization_token and customer_token compute: three private-use characters.
_TOKEN = ("CASE WHEN {0} IS NULL THEN '' ELSE char({base} + (({0} >> 24) & 4095), {base} + (({0} >> 12) & 4095),"
          " {base} + ({0} & 4095)) END")


def _scope(row: str) -> str:
    return (_TOKEN.format(f"{row}.organization_id", base=0xF0000) + " || ' ' || "
            + _TOKEN.format(f"{row}.customer_id", base=0xF1000))


def _add(row: str) -> str:
    return f"INSERT INTO ticket_search (rowid, scope, subject) VALUES ({row}.id, {_scope(row)}, {row}.subject);"


def _remove(row: str) -> str:
    # A contentless table forgets a row only when told exactly what it indexed.
    return (f"INSERT INTO ticket_search (ticket_search, rowid, scope, subject) "
            f"VALUES ('delete', {row}.id, {_scope(row)}, {row}.subject);")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Both ship in PostgreSQL's contrib (Debian's postgresql package) and are trusted: the database's
        # owner may create them.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        op.execute("CREATE INDEX ix_tickets_search ON tickets USING gin (organization_id, subject gin_trgm_ops)")
        return
    op.execute("CREATE VIRTUAL TABLE ticket_search USING fts5(scope, subject, tokenize='trigram', content='',"
               " columnsize=0)")
    op.execute(f"INSERT INTO ticket_search (rowid, scope, subject)"
               f" SELECT id, {_scope('tickets')}, subject FROM tickets")
    op.execute(f"CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN {_add('new')} END")
    op.execute(f"CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN {_remove('old')} END")
    op.execute("CREATE TRIGGER ticket_search_update AFTER UPDATE OF id, subject, organization_id, customer_id"
               f" ON tickets BEGIN {_remove('old')} {_add('new')} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The extensions stay: other objects of the database may use them.
        op.execute("DROP INDEX ix_tickets_search")
        return
    for trigger in ("ticket_search_update", "ticket_search_delete", "ticket_search_insert"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE ticket_search")
