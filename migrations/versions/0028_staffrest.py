"""The audit log in sentences: actions the system takes on its own, and the actor's role.

Why: issue 27, point 8. The automatic hide after enough reports was credited to the member whose
report crossed the line; it is the system's act, so an entry may have no actor. Each entry also
keeps the role its actor had then ("Mia (moderator) hid..."), which a later change of role must
not rewrite.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 11:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_role', sa.String(length=20), nullable=True))
        batch_op.alter_column('actor_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # The schema before had no place for the system's own entries: they are credited to nobody no
    # more, but kept, by giving them the first admin's id (none exists only on an empty site).
    op.execute(
        "UPDATE audit_entries SET actor_id = (SELECT MIN(id) FROM users WHERE role = 'admin') "
        "WHERE actor_id IS NULL"
    )
    op.execute("DELETE FROM audit_entries WHERE actor_id IS NULL")
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('actor_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('actor_role')
