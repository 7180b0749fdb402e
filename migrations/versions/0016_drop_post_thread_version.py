"""Drop the posts' thread version and the triggers that kept it (migration 0014).

Why: issue 26. A visitor's page is now cached whole, keyed by the request and by a write version that
every commit moves (forum/caching.py); nothing reads a post's thread version any more, and its
triggers cost every comment and every rename a write to `posts`. The index on comments' authors that
0014 added stays: a member's page reads their comments along it.

Not a batch: on SQLite a batch rebuilds `posts`, which would drop migration 0010's triggers on it;
SQLite drops a column itself since 3.35.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 05:00:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _thread_version_migration():
    """Migration 0014, whose triggers and functions this one drops and its downgrade makes again."""
    path = Path(__file__).with_name("0014_post_thread_version.py")
    spec = importlib.util.spec_from_file_location("migration_0014", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade():
    old = _thread_version_migration()
    if op.get_bind().dialect.name == "postgresql":
        for name, when, _function in old.POSTGRES_TRIGGERS:
            table = when.split(" ON ")[1].split()[0]
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in old.POSTGRES_FUNCTION_NAMES:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    else:
        for name, _when, _statement in old.SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_column('posts', 'thread_version')


def downgrade():
    old = _thread_version_migration()
    op.add_column('posts', sa.Column('thread_version', sa.BigInteger(), server_default='0', nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(old.POSTGRES_FUNCTIONS)
        for name, when, function in old.POSTGRES_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {function}()")
    else:
        for name, when, statement in old.SQLITE_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN {statement}; END")
