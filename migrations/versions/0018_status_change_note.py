"""A public note on a status change.

Why: issue 27. Moving a post on the roadmap may carry a short public note ("Scheduled for the spring
release") that the post's timeline shows and its followers are told, without publishing a new official
response.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('status_changes', sa.Column('note', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('status_changes', 'note')  # SQLite drops a column itself since 3.35
