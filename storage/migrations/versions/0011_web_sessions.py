"""Web sessions kept on the server (listed, ended one by one), in place of the per-person generations

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 23:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash')),
    )
    op.create_index('ix_web_sessions_kind_person_id', 'web_sessions', ['kind', 'person_id'])
    # Cookies made with a generation carry no session id: their holders simply log in again.
    op.drop_table('web_generations')


def downgrade() -> None:
    op.create_table(
        'web_generations',
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'person_id', name=op.f('pk_web_generations')),
    )
    op.drop_index('ix_web_sessions_kind_person_id', table_name='web_sessions')
    op.drop_table('web_sessions')
