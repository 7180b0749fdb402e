"""Companies and the people who belong to them.

Why: issue 28. A product manager asks which customers asked for a request and how much revenue
they bring; votes need to know the company behind the voter. Companies are keyed by the company's
own id for them; a person may belong to several.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 07:25:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('plan', sa.String(length=80), nullable=True),
    sa.Column('monthly_revenue', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('external_id', name=op.f('uq_companies_external_id'))
    )
    op.create_table('company_members',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_company_members_company_id_companies')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_company_members_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'company_id', name=op.f('pk_company_members'))
    )
    op.create_index('ix_company_members_company_id', 'company_members', ['company_id'], unique=False)


def downgrade():
    op.drop_index('ix_company_members_company_id', table_name='company_members')
    op.drop_table('company_members')
    op.drop_table('companies')
