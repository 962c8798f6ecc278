"""Acknowledgements, forwarded replies, follow-up tickets: when a customer was told the number, when an assignee saw a reply

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 20:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_acknowledged_at'), ['acknowledged_at'], unique=False)
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tickets_follows_id_tickets'), 'tickets', ['follows_id'], ['id'])
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forwarded_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_messages_forwarded_at'), ['forwarded_at'], unique=False)
    # What was there before is history: nobody is told of it now.
    op.execute("UPDATE tickets SET acknowledged_at = created_at")
    op.execute("UPDATE messages SET forwarded_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_forwarded_at'))
        batch_op.drop_column('forwarded_at')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_follows_id_tickets'), type_='foreignkey')
        batch_op.drop_column('follows_id')
        batch_op.drop_index(batch_op.f('ix_tickets_acknowledged_at'))
        batch_op.drop_column('acknowledged_at')
