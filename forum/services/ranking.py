"""How the `trending` sort orders posts: by votes gained recently, with time decay.

    trending(now) = Σ over the post's votes of 2 ** (-(now - voted_at) / HALF_LIFE)

Each vote counts 1 when cast and half as much every three days after, so a
post rises while votes arrive and sinks when they stop, however many it
gathered long ago. Because every term shares the factor 2 ** (-now / HALF_LIFE),
the order of posts is the same as the order of

    score = ln Σ exp((voted_at - EPOCH) / TAU),   TAU = HALF_LIFE / ln 2

which does not depend on `now`. That score is stored on the post, indexed, and
moved in the same SQL UPDATE as the vote count (a log-add-exp, so no number
overflows); taking a vote back recomputes it from the post's votes, in SQL too.
Ties fall back to the newer post (higher id), so the order is stable.
"""

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Float, case, cast, func, literal, select, true

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
HALF_LIFE = timedelta(days=3)
TAU = HALF_LIFE.total_seconds() / math.log(2)
EMPTY = -1e9  # the score of a post nobody votes for
# Beyond this gap the smaller term adds less than e**-30: ignore it, and never overflow exp().
_NEGLIGIBLE = 30.0


def vote_weight(voted_at: datetime) -> float:
    """ln of one vote's undecayed weight."""
    return (voted_at - EPOCH).total_seconds() / TAU


def trending_score(vote_times: Iterable[datetime]) -> float:
    """The stored score of a post with votes cast at these times."""
    weights = [vote_weight(t) for t in vote_times]
    if not weights:
        return EMPTY
    peak = max(weights)
    return peak + math.log(sum(math.exp(w - peak) for w in weights))


def decayed_votes(score: float, now: datetime) -> float:
    """What a stored score is worth at `now`: the sum of decayed vote weights."""
    if score <= EMPTY:
        return 0.0
    return math.exp(score - vote_weight(now))


def add_vote_sql(column, voted_at: datetime):
    """SQL for the score after one more vote at `voted_at`: ln(e**column + e**x)."""
    x = literal(vote_weight(voted_at))
    return case(
        (x - column > _NEGLIGIBLE, x),
        (column - x > _NEGLIGIBLE, column),
        else_=column + func.ln(1 + func.exp(x - column)),
    )


def vote_weight_sql(column, dialect: str):
    """SQL for `vote_weight` of a timestamp column. SQLite stores UTC as text ('2026-11-27
    02:40:00.123456'): whole seconds from strftime, the fraction from the text (julianday keeps
    only milliseconds)."""
    if dialect == "sqlite":
        seconds = cast(func.strftime("%s", column), Float) + cast(func.substr(column, 20), Float)
    else:
        seconds = cast(func.extract("epoch", column), Float)
    return (seconds - EPOCH.timestamp()) / TAU


def score_sql(weights):
    """SQL for `trending_score` of a query's one column of vote weights (NULL when it has no row)."""
    found = weights.cte("weights")
    column = found.c[0]
    peak = select(func.max(column).label("peak")).cte("peak")  # once (a scalar subquery twice ran twice)
    score = peak.c.peak + func.ln(func.sum(func.exp(column - peak.c.peak)))
    return select(score).select_from(found.join(peak, true())).group_by(peak.c.peak)
