"""The web face's sign-in: e-mailed codes, staff sign-in links, session generations, the cookie key;
the contract's client manager

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contracts') as batch:
        batch.add_column(sa.Column('client_manager', sa.String(length=320), nullable=True))
    op.create_table(
        'web_settings',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_web_settings')),
    )
    op.create_table(
        'web_login_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_login_codes')),
    )
    op.create_index('ix_web_login_codes_email_created_at', 'web_login_codes', ['email', 'created_at'])
    op.create_index('ix_web_login_codes_client_created_at', 'web_login_codes', ['client', 'created_at'])
    op.create_table(
        'web_sign_in_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_web_sign_in_links_staff_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sign_in_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_web_sign_in_links_token_hash')),
    )
    op.create_table(
        'web_generations',
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'person_id', name=op.f('pk_web_generations')),
    )


def downgrade() -> None:
    op.drop_table('web_generations')
    op.drop_table('web_sign_in_links')
    op.drop_index('ix_web_login_codes_client_created_at', table_name='web_login_codes')
    op.drop_index('ix_web_login_codes_email_created_at', table_name='web_login_codes')
    op.drop_table('web_login_codes')
    op.drop_table('web_settings')
    with op.batch_alter_table('contracts') as batch:
        batch.drop_column('client_manager')
