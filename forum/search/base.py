"""What every search backend is, and the types they share.

A backend indexes posts by id and answers with post ids, best first; it never
loads what a page shows. The model is microblog's app/search.py: add to the
index, remove from it, query it, and two session hooks (forum/search/__init__.py)
that hand it the posts a commit changed. A backend imports nothing from
another one: what they share lives here.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from forum.search.query import ParsedQuery


@dataclass(frozen=True)
class Filters:
    """What a search narrows by. `public_only`: leave out hidden and deleted posts (everyone but
    moderators). `hidden_categories`: the categories the searcher may not see
    (`Guardian.hidden_category_ids()`), left out of the matches and their count."""

    kind: str | None = None
    status: str | None = None
    category_id: int | None = None
    public_only: bool = True
    hidden_categories: frozenset[int] = frozenset()


class Total(int):
    """How many posts matched; `capped` when the backend stopped counting (PostgreSQL ranks and counts
    only its best matches of a broad word): there are more than this, and it reads so on the page
    ("more than 1,000 posts found")."""

    capped: bool

    def __new__(cls, value: int = 0, *, capped: bool = False):
        total = super().__new__(cls, value)
        total.capped = capped
        return total

    def __str__(self) -> str:
        return f"more than {int(self):,}" if self.capped else str(int(self))

    def __html__(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"Total({int(self)}, capped={self.capped})"


@dataclass(frozen=True)
class Found:
    """A page of matching post ids, best first, and how many posts match in all."""

    post_ids: list[int] = field(default_factory=list)
    total: Total = field(default_factory=Total)


@dataclass
class Drift:
    """How the index differs from the database (`flask search check`)."""

    missing: list[int] = field(default_factory=list)  # in the database, not in the index
    stale: list[int] = field(default_factory=list)  # in both, the index out of date
    extra: list[int] = field(default_factory=list)  # in the index, gone from the database

    @property
    def post_ids(self) -> list[int]:
        return sorted({*self.missing, *self.stale, *self.extra})

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.extra)


class SearchBackend(Protocol):
    name: str
    # True when the database itself keeps the index in step (triggers in the same transaction): the
    # session hooks then hand it nothing after a commit.
    kept_by_the_database: bool

    def add_to_index(self, post_ids: Sequence[int]) -> None:
        """Make these posts' entries match the database (a post gone from it leaves the index)."""

    def add_to_index_later(self, post_ids: Sequence[int]) -> bool:
        """Note these posts for an `add_to_index([])` once the response is sent; False when the
        backend cannot wait, and the caller indexes them now."""

    def remove_from_index(self, post_ids: Sequence[int]) -> None:
        """Take these posts out of the index, whatever the database holds."""

    def query_index(self, query: ParsedQuery, filters: Filters, *, offset: int, limit: int) -> Found:
        """The posts where every word and phrase of `query` is found in one group of fields (title and
        body, official responses or comments), best first: a word in a title counts most."""

    def similar(
        self, stems: Sequence[str], *, limit: int, hidden_categories: frozenset[int] = frozenset()
    ) -> list[int]:
        """Public, not merged posts with any of these stems in their title or body, best first, none
        from `hidden_categories`."""

    def check(self) -> Drift:
        """Compare the whole index with the database."""

    def reindex(self) -> int:
        """Rebuild the whole index from the database; the number of posts indexed."""

    def warm(self) -> None:
        """Open what the first search would (a server's worker, as it starts)."""

    def degraded(self) -> str | None:
        """Why new and changed posts may be missing from results (the index cannot be written), or
        None. Search still answers from what the index holds; `flask search check --fix` repairs it."""
