"""The filters of a list of posts (the home list, search, the roadmap), read from the query string
in one place. A value that makes no sense is dropped with a problem the page shows (and a 400)."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from flask import current_app

from forum.models import Kind, TagInfo, statuses, tags
from forum.services import posts
from forum.web import whole_number

FIELDS = ("sort", "kind", "status", "category", "tag", "closed", "page")


@dataclass(frozen=True)
class ListFilters:
    sort: str = posts.DEFAULT_SORT
    kind: Kind | None = None
    status: str | None = None  # a status's slug (archived ones too: posts may still hold them)
    category: posts.CategoryChoice | None = None
    tag: TagInfo | None = None
    include_closed: bool = False  # `closed=1`: done, declined and duplicates in Trending and Top too
    page: int = 1
    problems: tuple[str, ...] = ()

    @classmethod
    def from_args(
        cls,
        args: Mapping[str, str],
        categories: Collection[posts.CategoryChoice],
        *,
        fields: Collection[str] = FIELDS,
        searching: bool = False,
    ) -> "ListFilters":
        """The filters named in `fields` (the others keep their defaults); `searching` words the
        problems for the search page."""
        problems: list[str] = []
        verb = "searching" if searching else "showing"
        found = {}
        sort = args.get("sort") if "sort" in fields else None
        if sort and sort not in posts.SORTS:
            problems.append(f"“{sort[:40]}” is not a sort order; showing trending posts.")
        elif sort:
            found["sort"] = sort
        value = args.get("kind") if "kind" in fields else None
        if value:
            try:
                found["kind"] = Kind(value)
            except ValueError:
                problems.append(f"“{value[:40]}” is not a kind of post; {verb} all.")
        value = args.get("status") if "status" in fields else None
        if value:
            if value in statuses():
                found["status"] = value
            else:
                problems.append(f"“{value[:40]}” is not a status; {verb} all.")
        value = args.get("tag") if "tag" in fields else None
        if value:
            found["tag"] = tags().by_slug.get(value)
            if found["tag"] is None:
                problems.append(f"There is no tag “{value[:40]}”; {verb} every tag.")
        slug = args.get("category") if "category" in fields else None
        if slug:
            found["category"] = next((c for c in categories if c.slug == slug), None)
            if found["category"] is None:
                problems.append(f"There is no category “{slug[:40]}”; {verb} every category.")
        if "closed" in fields and args.get("closed"):
            if args["closed"] == "1":
                found["include_closed"] = True
            else:
                problems.append(f"“{args['closed'][:40]}” is not a choice for closed posts; {verb} open ones.")
        if "page" in fields and "page" in args:
            max_page = current_app.config["MAX_PAGE"]
            page = whole_number(args["page"], 1, max_page)
            if page is None:
                problems.append(f"Pages are numbered 1 to {max_page}; showing the first page.")
            else:
                found["page"] = page
        return cls(**found, problems=tuple(problems))

    @property
    def for_listing(self) -> posts.PostFilter:
        return posts.PostFilter(
            sort=self.sort,
            kind=self.kind,
            status=self.status,
            category=self.category,
            tag=self.tag,
            include_closed=self.include_closed,
        )
