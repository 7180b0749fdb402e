"""The members whose votes may not count (deleted or suspended), indexed apart.

Why: issue 7, the writes of the mixed run growing with the data (docs/PERFORMANCE.md, section 8).
Taking a vote back sums the weights of the post's counted votes in SQL; joining each vote to its
member to leave out the deleted and the suspended made PostgreSQL hash all 50,000 members for a post
with 23,000 votes (32 ms). The few who may not count are read along this partial index instead, and
the post's votes of those members left out (15 ms).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 04:15:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

MAY_NOT_COUNT = "deleted_at IS NOT NULL OR suspended_until IS NOT NULL"  # as forum/models/user.py


def upgrade():
    op.create_index('ix_users_may_not_count', 'users', ['id'], postgresql_where=sa.text(MAY_NOT_COUNT),
                    sqlite_where=sa.text(MAY_NOT_COUNT))


def downgrade():
    op.drop_index('ix_users_may_not_count', table_name='users')
