"""What the API takes and answers, as pydantic models: spectree validates requests with them and
writes the OpenAPI document from them, so the document cannot drift from the code."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from forum import markup
from forum.services.comments import COMMENT_MAX
from forum.services.posts import BODY_MAX, TITLE_MAX
from forum.services.responses import RESPONSE_MAX, STATUS_NOTE_MAX

MAX_ID = 2**31 - 1
Sort = Literal["new", "top", "trending", "active"]
KindName = Literal["idea", "complaint"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors ---------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    code: str = Field(description="A stable, machine-readable name: `not_found`, `insufficient_scope`…")
    message: str = Field(description="What went wrong, for a person.")


class ErrorBody(BaseModel):
    """Every error the API answers has this shape."""

    error: ErrorDetail


# -- posts ----------------------------------------------------------------------------
class PostQuery(Strict):
    category: str = Field(None, max_length=100, description="A category's slug.")
    kind: KindName | None = None
    status: str | None = Field(None, max_length=40, description="A status's slug, as `GET /api/v1/statuses` lists.")
    q: str = Field(None, max_length=200, description="Search words; results come best first.")
    sort: Sort = Field("new", description="Order; ignored with `q`.")
    cursor: str = Field(None, max_length=500, description="`next_cursor` from the previous page.")
    limit: int = Field(20, ge=1, le=100)


class CategoryRef(BaseModel):
    slug: str
    name: str


class Author(BaseModel):
    display_name: str
    badge: str | None = Field(None, description="`Staff` or `Moderator` for the team, else null.")


class PostSummary(BaseModel):
    id: int
    title: str
    kind: str
    status: str
    category: CategoryRef
    author: Author
    votes: int
    comments: int
    created_at: datetime
    url: str = Field(description="The post's page on the site.")


class PostPage(BaseModel):
    data: list[PostSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


class OfficialAnswer(BaseModel):
    id: int
    body: str = Field(description="Markdown, as written.")
    body_html: str = Field(description="The same, as sanitized HTML.")
    author: Author
    created_at: datetime
    edited_at: datetime | None


class TimelineEntry(BaseModel):
    from_status: str
    to_status: str
    actor: Author
    note: str | None
    response_id: int | None
    created_at: datetime


class PostDetail(PostSummary):
    body: str = Field(description="Markdown, as written.")
    body_html: str
    locked: bool
    first_response_at: datetime | None
    official_responses: list[OfficialAnswer] = Field(description="Newest first.")
    timeline: list[TimelineEntry] = Field(description="Status changes, oldest first.")
    merged_from: list[int] = Field(description="Ids of the duplicates merged into this post.")


class NewPost(Strict):
    kind: KindName
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    body: str = Field(min_length=1, max_length=BODY_MAX, description="Markdown.")
    category: str = Field(min_length=1, max_length=100, description="A category's slug.")

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = markup.one_line(value)
        if not value:
            raise ValueError("Give the post a title.")
        return value

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        value = markup.clean_text(value).strip()
        if not value:
            raise ValueError("Describe the idea or problem.")
        return value


# -- comments -------------------------------------------------------------------------
class CommentQuery(Strict):
    cursor: str = Field(None, max_length=500, description="`next_cursor` from the previous page.")
    limit: int = Field(50, ge=1, le=100, description="Top-level comments per page; each comes with its replies.")


class CommentOut(BaseModel):
    id: int
    post_id: int
    parent_id: int | None
    body_html: str
    author: Author
    created_at: datetime
    updated_at: datetime | None


class CommentPage(BaseModel):
    data: list[CommentOut] = Field(description="Oldest first; a reply follows its parent.")
    next_cursor: str | None


class NewComment(Strict):
    body: str = Field(min_length=1, max_length=COMMENT_MAX, description="Markdown.")
    parent_id: int | None = Field(None, ge=1, le=MAX_ID, description="The comment this replies to.")

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        value = markup.clean_text(value).strip()
        if not value:
            raise ValueError("Write something before posting a comment.")
        return value


# -- votes ----------------------------------------------------------------------------
class VoteResult(BaseModel):
    votes: int = Field(description="The post's vote count now.")
    voted: bool = Field(description="Whether the key's person now votes for it.")


# -- staff ----------------------------------------------------------------------------
class StatusChangeIn(Strict):
    status: str = Field(min_length=1, max_length=40, description="A status's slug (not `duplicate`: merge instead).")
    note: str | None = Field(None, max_length=STATUS_NOTE_MAX, description="A public note for the timeline.")


class ResponseIn(Strict):
    body: str = Field(min_length=1, max_length=RESPONSE_MAX, description="The official answer, Markdown.")
    status: str | None = Field(None, min_length=1, max_length=40, description="Move the post to this status too.")

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        value = markup.clean_text(value).strip()
        if not value:
            raise ValueError("Write the official response.")
        return value


class MergeIn(Strict):
    into: int = Field(ge=1, le=MAX_ID, description="The id of the original post, the one to keep.")


class MergeResult(BaseModel):
    duplicate: PostSummary
    original: PostSummary


class CategoryOut(BaseModel):
    slug: str
    name: str
    description: str


class CategoryList(BaseModel):
    data: list[CategoryOut]


class StatusOut(BaseModel):
    slug: str
    label: str
    closed: bool


class StatusList(BaseModel):
    data: list[StatusOut]


class ChangelogQuery(Strict):
    cursor: str = Field(None, max_length=500, description="`next_cursor` from the previous page.")
    limit: int = Field(20, ge=1, le=100)


class ChangelogEntry(BaseModel):
    id: int
    title: str
    kind: str
    category: CategoryRef
    url: str
    shipped_at: datetime | None = Field(description="When the post was marked done.")


class ChangelogPage(BaseModel):
    data: list[ChangelogEntry]
    next_cursor: str | None
