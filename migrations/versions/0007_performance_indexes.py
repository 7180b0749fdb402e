"""Performance indexes: every post list reads its page in index order, at any size.

Why: the listing indexes were led by deleted_at; PostgreSQL cannot keep the order of the
columns after a `deleted_at IS NULL` condition, so the home list sorted all 100,000 posts on
each request (a parallel seq scan, ~100 ms). Plain (sort, id) indexes, and (filter, sort, id)
for the category and status filters, give a bounded index scan whatever the number of posts.
Plans before and after are in docs/PERFORMANCE.md.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 22:30:00

"""
from alembic import op


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD = [
    ("ix_posts_listing_top", ["deleted_at", "vote_count", "id"]),
    ("ix_posts_listing_new", ["deleted_at", "created_at", "id"]),
    ("ix_posts_listing_active", ["deleted_at", "last_activity_at", "id"]),
    ("ix_posts_listing_trending", ["deleted_at", "trending_score", "id"]),
    ("ix_posts_category_id", ["category_id"]),
]
NEW = [
    ("ix_posts_trending", ["trending_score", "id"]),
    ("ix_posts_top", ["vote_count", "id"]),
    ("ix_posts_new", ["created_at", "id"]),
    ("ix_posts_active", ["last_activity_at", "id"]),
    ("ix_posts_category_trending", ["category_id", "trending_score", "id"]),
    ("ix_posts_category_top", ["category_id", "vote_count", "id"]),
    ("ix_posts_category_new", ["category_id", "created_at", "id"]),
    ("ix_posts_category_active", ["category_id", "last_activity_at", "id"]),
    ("ix_posts_status_trending", ["status", "trending_score", "id"]),
    ("ix_posts_status_new", ["status", "created_at", "id"]),
    ("ix_posts_status_active", ["status", "last_activity_at", "id"]),
]


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        for name, _ in OLD:
            batch_op.drop_index(name)
        for name, columns in NEW:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        for name, _ in NEW:
            batch_op.drop_index(name)
        for name, columns in OLD:
            batch_op.create_index(name, columns, unique=False)
