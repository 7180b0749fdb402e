"""Private categories: who may see a category's posts, and the token claims a category may admit by.

Why: issue 28, point 6. A category is public, for signed-in members, restricted (by email domain,
company, plan or a claim of the sign-in token) or for staff only; one rule (forum/visibility.py)
decides, and every page, search, feed, email and export asks it. Users keep the claims of their
last sign-in token so that a restricted category can admit by one of them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 11:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

ALLOWED = ('allowed_domains', 'allowed_companies', 'allowed_plans', 'allowed_claims')


def upgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visibility', sa.String(length=20), server_default='public', nullable=False))
        for name in ALLOWED:
            batch_op.add_column(sa.Column(name, sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_claims', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('sso_claims')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        for name in reversed(ALLOWED):
            batch_op.drop_column(name)
        batch_op.drop_column('visibility')
