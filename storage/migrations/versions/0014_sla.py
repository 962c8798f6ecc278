"""SLA: when the sweep must look at a ticket (tickets.sla_check_at, indexed; open tickets at once), the
warnings and breaches told (sla_alerts, once per ticket, target and level), a contract's calendar and targets

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 03:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch_op:
        batch_op.add_column(sa.Column('sla_check_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_sla_check_at'), ['sla_check_at'], unique=False)
    # Open tickets get their figures at the first sweep; closed ones have nothing left to watch.
    op.execute("UPDATE tickets SET sla_check_at = created_at WHERE status <> 'closed'")
    with op.batch_alter_table('contracts') as batch_op:
        batch_op.add_column(sa.Column('sla_calendar', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('first_response_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolution_minutes', sa.Integer(), nullable=True))
    op.create_table(
        'sla_alerts',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=16), nullable=False),
        sa.Column('level', sa.String(length=8), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_sla_alerts_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('ticket_id', 'target', 'level', name=op.f('pk_sla_alerts')),
    )


def downgrade() -> None:
    op.drop_table('sla_alerts')
    with op.batch_alter_table('contracts') as batch_op:
        batch_op.drop_column('resolution_minutes')
        batch_op.drop_column('first_response_minutes')
        batch_op.drop_column('sla_calendar')
    with op.batch_alter_table('tickets') as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_sla_check_at'))
        batch_op.drop_column('sla_check_at')
