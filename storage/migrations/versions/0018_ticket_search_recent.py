"""PostgreSQL's subject search index also keyed by the ticket's number in blocks of 16,384, newest first

A phrase in every tenth subject of a big organization has ten thousand matches; the cabinet lists the
newest 500 (dispatch/ticket_search.py). Keyed by (id >> 14) as well, the index gathers the matches
of the newest blocks only, instead of all of them. SQLite's FTS5 table lists matches newest first by itself.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 06:10:00
"""
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_tickets_search")
        op.execute("CREATE INDEX ix_tickets_search ON tickets USING gin (organization_id, (id >> 14), subject gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_tickets_search")
        op.execute("CREATE INDEX ix_tickets_search ON tickets USING gin (organization_id, subject gin_trgm_ops)")
