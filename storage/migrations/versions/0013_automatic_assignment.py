"""Automatic assignment: a department's round-robin cursor, /away on staff, how and until when a ticket was
assigned automatically, whom it was offered to (take_within)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 03:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assignment_offers',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('offered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_assignment_offers_staff_id_staff')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_assignment_offers_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('ticket_id', 'staff_id', name=op.f('pk_assignment_offers'))
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_assigned_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('away_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('away_until', sa.DateTime(), nullable=True))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_how', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('take_by', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('tell_assignee_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_take_by'), ['take_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_tell_assignee_at'), ['tell_assignee_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_tell_assignee_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_take_by'))
        batch_op.drop_column('tell_assignee_at')
        batch_op.drop_column('take_by')
        batch_op.drop_column('assigned_how')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('away_until')
        batch_op.drop_column('away_since')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('last_assigned_id')
    op.drop_table('assignment_offers')
