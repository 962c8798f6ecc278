"""Quarantined mail reaches a person: whose it is, whether it was announced, its fate, and its audit log

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02 13:40:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The reasons dispatch.intake gives to mail that is not a person's (see dispatch.quarantine_rules).
_MACHINE_REASONS = ("automatic mail", "mail from our own address")


def upgrade() -> None:
    op.create_table(
        'quarantine_items',
        sa.Column('raw_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('sender', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('announced_at', sa.DateTime(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['staff.id'], name=op.f('fk_quarantine_items_decided_by_id_staff')),
        sa.ForeignKeyConstraint(['raw_id'], ['raw_mail.id'], name=op.f('fk_quarantine_items_raw_id_raw_mail')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_quarantine_items_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('raw_id', name=op.f('pk_quarantine_items')),
    )
    op.create_index(op.f('ix_quarantine_items_announced_at'), 'quarantine_items', ['announced_at'], unique=False)
    op.create_index(op.f('ix_quarantine_items_status'), 'quarantine_items', ['status'], unique=False)
    op.create_table(
        'quarantine_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('raw_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['raw_id'], ['raw_mail.id'], name=op.f('fk_quarantine_events_raw_id_raw_mail')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_quarantine_events_staff_id_staff')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_quarantine_events_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine_events')),
    )
    op.create_index(op.f('ix_quarantine_events_raw_id'), 'quarantine_events', ['raw_id'], unique=False)
    _carry_over()


def _carry_over() -> None:
    """Mail quarantined before this version: open, and counted as told (it is listed by /quarantine),
    so that an upgrade does not flood the dispatcher chat with old mail."""
    from deskbot.storage.migrations.header_0008 import header_summary

    now = datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC, as the models store it
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, reason, received_at, substr(content, 1, 16384) FROM raw_mail WHERE outcome = 'quarantine'"))
    items = []
    for raw_id, reason, received_at, head in rows:
        sender, subject = header_summary(bytes(head or b""))
        machine = (reason or "").startswith(_MACHINE_REASONS)
        items.append({"raw_id": raw_id, "kind": "machine" if machine else "person",
                      "sender": sender.replace("\x00", "")[:320], "subject": subject.replace("\x00", ""),
                      "received_at": received_at, "announced_at": now, "status": "open"})
    if items:
        table = sa.table('quarantine_items', *(sa.column(name) for name in items[0]))
        op.bulk_insert(table, items)


def downgrade() -> None:
    op.drop_index(op.f('ix_quarantine_events_raw_id'), table_name='quarantine_events')
    op.drop_table('quarantine_events')
    op.drop_index(op.f('ix_quarantine_items_status'), table_name='quarantine_items')
    op.drop_index(op.f('ix_quarantine_items_announced_at'), table_name='quarantine_items')
    op.drop_table('quarantine_items')
