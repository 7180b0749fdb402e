"""The PostgreSQL backend: the database's own full-text search, for several app
servers sharing one database (no index on any one machine's disk).

It reads GIN expression indexes (models/search.py, migration 0006), so it is
always exactly as current as the tables: update/rebuild have nothing to do
and check() finds no drift. A post matches when all the words are in its title
and body, or all in one official response, or all in one visible comment; the
ranks add up, comments weighing least.
"""

from sqlalchemy import Float, and_, cast, func, literal, select, union_all

from forum.extensions import db
from forum.models import Comment, OfficialResponse, Post, Status
from forum.models.search import LANGUAGE, post_vector, text_vector
from forum.search.query import ParsedQuery
from forum.search.whoosh_backend import Drift

RESPONSE_WEIGHT, COMMENT_WEIGHT = 0.8, 0.3


def _tsquery(parsed: ParsedQuery):
    parts = [func.plainto_tsquery(LANGUAGE, word) for word in parsed.words]
    parts += [func.phraseto_tsquery(LANGUAGE, " ".join(phrase)) for phrase in parsed.phrases]
    query = parts[0]
    for part in parts[1:]:
        query = query.op("&&")(part)
    return query


class PostgresBackend:
    name = "postgres"

    def update(self, post_ids: list[int]) -> None:
        pass

    def rebuild(self) -> int:
        return 0

    def clear(self) -> None:
        pass

    def check(self) -> Drift:
        return Drift()

    def search(self, parsed: ParsedQuery, filters, *, offset: int, limit: int) -> tuple[list[int], int]:
        if parsed.is_empty:
            return [], 0
        query = _tsquery(parsed)
        vector = post_vector()
        in_posts = select(Post.id.label("post_id"), func.ts_rank(vector, query).label("score")).where(
            vector.op("@@")(query)
        )
        response_vector = text_vector(OfficialResponse.body)
        in_responses = select(
            OfficialResponse.post_id, (func.ts_rank(response_vector, query) * RESPONSE_WEIGHT).label("score")
        ).where(response_vector.op("@@")(query))
        comment_vector = text_vector(Comment.body)
        in_comments = select(
            Comment.post_id, (func.ts_rank(comment_vector, query) * COMMENT_WEIGHT).label("score")
        ).where(comment_vector.op("@@")(query), Comment.deleted_at.is_(None), Comment.is_hidden.is_(False))
        matches = union_all(in_posts, in_responses, in_comments).subquery("matches")
        scored = (
            select(matches.c.post_id, func.sum(cast(matches.c.score, Float)).label("score"))
            .group_by(matches.c.post_id)
            .subquery("scored")
        )
        conditions = []
        if filters.kind:
            conditions.append(Post.kind == filters.kind)
        if filters.status:
            conditions.append(Post.status == filters.status)
        if filters.category_id is not None:
            conditions.append(Post.category_id == filters.category_id)
        if filters.public_only:
            conditions += [Post.deleted_at.is_(None), Post.is_hidden.is_(False)]
        rows = db.session.execute(
            select(Post.id, func.count().over().label("total"))
            .join(scored, scored.c.post_id == Post.id)
            .where(and_(literal(True), *conditions))
            .order_by(scored.c.score.desc(), Post.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        if not rows and offset:
            return [], self._count(scored, conditions)
        return [r.id for r in rows], (rows[0].total if rows else 0)

    def _count(self, scored, conditions) -> int:
        return db.session.scalar(
            select(func.count()).select_from(Post).join(scored, scored.c.post_id == Post.id).where(*conditions)
        )

    def candidates(self, words: list[str], *, limit: int) -> list[int]:
        if not words:
            return []
        query = func.to_tsquery(LANGUAGE, " | ".join(words))
        vector = post_vector()
        return list(
            db.session.scalars(
                select(Post.id)
                .where(
                    vector.op("@@")(query),
                    Post.deleted_at.is_(None),
                    Post.is_hidden.is_(False),
                    Post.status != Status.DUPLICATE,
                )
                .order_by(func.ts_rank(vector, query).desc(), Post.id.desc())
                .limit(limit)
            )
        )
