"""The contract's kind and free-form fields for the web cabinet; the clients' tariff change requests

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contracts') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=64), nullable=False, server_default=''))
        batch.add_column(sa.Column('fields', sa.Text(), nullable=False, server_default='[]'))
    op.create_table(
        'tariff_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('change', sa.String(length=32), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tariff_requests_customer_id_customers')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_tariff_requests_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff_requests')),
    )
    op.create_index(op.f('ix_tariff_requests_organization_id'), 'tariff_requests', ['organization_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_tariff_requests_organization_id'), table_name='tariff_requests')
    op.drop_table('tariff_requests')
    with op.batch_alter_table('contracts') as batch:
        batch.drop_column('fields')
        batch.drop_column('kind')
