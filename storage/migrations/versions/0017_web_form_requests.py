"""The web form's rate limit counted in the database (the same for every instance of a desk)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 06:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_form_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_form_requests')),
    )
    op.create_index('ix_web_form_requests_client_at', 'web_form_requests', ['client', 'at'])


def downgrade() -> None:
    op.drop_index('ix_web_form_requests_client_at', table_name='web_form_requests')
    op.drop_table('web_form_requests')
