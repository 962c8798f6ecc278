"""The conversation: colleagues pulled into a ticket, waiting for the customer, stale-work nudges

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:05:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_since', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_waiting_since'), ['waiting_since'], unique=False)
        batch_op.add_column(sa.Column('nudged_at', sa.DateTime(), nullable=True))
    op.create_table(
        'ticket_helpers',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('asked_by_id', sa.Integer(), nullable=True),
        sa.Column('asked_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['asked_by_id'], ['staff.id'], name=op.f('fk_ticket_helpers_asked_by_id_staff')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_ticket_helpers_staff_id_staff')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_helpers_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('ticket_id', 'staff_id', name=op.f('pk_ticket_helpers')),
    )
    op.create_index(op.f('ix_ticket_helpers_staff_id'), 'ticket_helpers', ['staff_id'], unique=False)
    # Tickets in work before this version have had no nudge: count their quiet time from now on.
    # Naive UTC from here, as the models store it (the server's CURRENT_TIMESTAMP would be in its own zone).
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.execute(sa.text("UPDATE tickets SET nudged_at = :now WHERE status IN ('assigned', 'in_progress')")
               .bindparams(now=now))


def downgrade() -> None:
    op.drop_index(op.f('ix_ticket_helpers_staff_id'), table_name='ticket_helpers')
    op.drop_table('ticket_helpers')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('nudged_at')
        batch_op.drop_index(batch_op.f('ix_tickets_waiting_since'))
        batch_op.drop_column('waiting_since')
