"""Indexes for the web cabinet's ticket lists: an organization's or a customer's tickets by status, newest
first, walked in order instead of sorted; an organization's newest first; a customer's by organization, so that
a client manager's own tickets outside the organization are found from the index alone (dispatch/visibility.py)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 23:30:00
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The composite indexes serve the foreign keys' lookups too, so the single-column ones go.
    op.create_index('ix_tickets_organization_id_id', 'tickets', ['organization_id', 'id'])
    op.create_index('ix_tickets_organization_id_status_id', 'tickets', ['organization_id', 'status', 'id'])
    op.create_index('ix_tickets_customer_id_organization_id_id', 'tickets', ['customer_id', 'organization_id', 'id'])
    op.create_index('ix_tickets_customer_id_status_id', 'tickets', ['customer_id', 'status', 'id'])
    op.drop_index('ix_tickets_organization_id', table_name='tickets')
    op.drop_index('ix_tickets_customer_id', table_name='tickets')


def downgrade() -> None:
    op.create_index('ix_tickets_customer_id', 'tickets', ['customer_id'])
    op.create_index('ix_tickets_organization_id', 'tickets', ['organization_id'])
    op.drop_index('ix_tickets_customer_id_status_id', table_name='tickets')
    op.drop_index('ix_tickets_customer_id_organization_id_id', table_name='tickets')
    op.drop_index('ix_tickets_organization_id_status_id', table_name='tickets')
    op.drop_index('ix_tickets_organization_id_id', table_name='tickets')
