"""Contracts, monthly reports and the hours alerts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'contracts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=64), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('currency', sa.String(length=8), nullable=False),
        sa.Column('monthly_fee_minor', sa.BigInteger(), nullable=False),
        sa.Column('included_minutes', sa.Integer(), nullable=True),
        sa.Column('bonus_minutes', sa.Integer(), nullable=False),
        sa.Column('hourly_rate_minor', sa.BigInteger(), nullable=False),
        sa.Column('overage_rate_minor', sa.BigInteger(), nullable=False),
        sa.Column('manager_id', sa.Integer(), nullable=True),
        sa.Column('recipients', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['manager_id'], ['staff.id'], name=op.f('fk_contracts_manager_id_staff')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_contracts_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
        sa.UniqueConstraint('organization_id', name=op.f('uq_contracts_organization_id')),
    )
    op.create_table(
        'reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('used_minutes', sa.Integer(), nullable=False),
        sa.Column('total_due', sa.String(length=32), nullable=False),
        sa.Column('tickets', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['staff.id'], name=op.f('fk_reports_decided_by_id_staff')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_reports_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
        sa.UniqueConstraint('organization_id', 'month', name=op.f('uq_reports_organization_id_month')),
    )
    op.create_index(op.f('ix_reports_status'), 'reports', ['status'], unique=False)
    op.create_table(
        'hours_alerts',
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('threshold', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_hours_alerts_organization_id_organizations')),
        sa.PrimaryKeyConstraint('organization_id', 'month', 'threshold', name=op.f('pk_hours_alerts')),
    )
    # The monthly report reads a month's time entries of an organization's tickets.
    op.create_index(op.f('ix_tickets_closed_at'), 'tickets', ['closed_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_tickets_closed_at'), table_name='tickets')
    op.drop_table('hours_alerts')
    op.drop_index(op.f('ix_reports_status'), table_name='reports')
    op.drop_table('reports')
    op.drop_table('contracts')
