"""Routing rules: a ticket's priority and tags, the rule that assigned it, and every rule's firing on a ticket

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 03:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('priority', sa.String(length=8), nullable=False, server_default='normal'))
        batch.add_column(sa.Column('tags', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('assigned_by_rule', sa.String(length=200), nullable=True))
    op.create_table(
        'rule_firings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=200), nullable=False),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('effects', sa.Text(), nullable=False),
        sa.Column('fired_at', sa.DateTime(), nullable=False),
        sa.Column('told_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_rule_firings_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_firings')),
    )
    op.create_index('ix_rule_firings_ticket_id_rule', 'rule_firings', ['ticket_id', 'rule'])
    op.create_index('ix_rule_firings_told_at', 'rule_firings', ['told_at'])


def downgrade() -> None:
    op.drop_index('ix_rule_firings_told_at', table_name='rule_firings')
    op.drop_index('ix_rule_firings_ticket_id_rule', table_name='rule_firings')
    op.drop_table('rule_firings')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('assigned_by_rule')
        batch.drop_column('tags')
        batch.drop_column('priority')
