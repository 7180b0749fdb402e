"""The filters of a list of posts (the home list, search, the roadmap), read from the query string
in one place. A value that makes no sense is dropped with a problem the page shows (and a 400)."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from flask import current_app

from forum.models import Kind, Status
from forum.services import posts
from forum.web import whole_number

FIELDS = ("sort", "kind", "status", "category", "closed", "page")


@dataclass(frozen=True)
class ListFilters:
    sort: str = posts.DEFAULT_SORT
    kind: Kind | None = None
    status: Status | None = None
    category: posts.CategoryChoice | None = None
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
        for name, enum, label in (("kind", Kind, "kind of post"), ("status", Status, "status")):
            value = args.get(name) if name in fields else None
            if value:
                try:
                    found[name] = enum(value)
                except ValueError:
                    problems.append(f"“{value[:40]}” is not a {label}; {verb} all.")
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
            include_closed=self.include_closed,
        )
