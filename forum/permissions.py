"""The Guardian: the one place that answers "may this user do that?".

Views, services and templates ask it; nothing else looks at roles.
"""

from flask import abort, g
from flask_login import current_user

from forum import visibility
from forum.models import AnonymousUser, Category, Comment, Post, Role

TEAM_ROLES = (Role.MODERATOR, Role.STAFF, Role.ADMIN)


def team_badge(role: str | None) -> str | None:
    """The badge beside a team member's name ("Staff", "Moderator"), so that no member can pass for
    one by choosing a name; None for members."""
    if role in (Role.STAFF, Role.ADMIN):
        return "Staff"
    if role == Role.MODERATOR:
        return "Moderator"
    return None


class Guardian:
    def __init__(self, user):
        self.user = user
        authenticated = bool(getattr(user, "is_authenticated", False))
        self.role = Role(user.role) if authenticated else None
        self._audience: visibility.Audience | None = None
        self._hidden_categories: frozenset[int] | None = None

    # -- who is this ---------------------------------------------------------
    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def can_write(self) -> bool:
        """Signed in and not suspended: suspended members read but cannot write."""
        return self.is_member and not self.user.is_suspended

    def _at_least(self, role: Role) -> bool:
        return self.role is not None and self.role.rank >= role.rank

    @property
    def is_moderator(self) -> bool:
        return self._at_least(Role.MODERATOR)

    @property
    def is_staff(self) -> bool:
        return self._at_least(Role.STAFF)

    @property
    def is_admin(self) -> bool:
        return self._at_least(Role.ADMIN)

    def _owns(self, thing: Post | Comment) -> bool:
        return self.is_member and thing.author_id == self.user.id

    # -- reading -------------------------------------------------------------
    def can_see_post(self, post: Post) -> bool:
        """The one rule (forum/visibility.py; `visible_posts` is its SQL). `post` may be a Post or
        anything with the same columns (a list's card)."""
        if not self._sees_category_of(post):
            return False
        if post.deleted_at is not None:
            return self.is_moderator
        if post.is_hidden:
            # Authors still see their own hidden post (held for review, or hidden with a reason).
            return self.is_moderator or (self.is_member and post.author_id == self.user.id)
        return True

    def _sees_category_of(self, post) -> bool:
        loaded = post.__dict__.get("category") if isinstance(post, Post) else None
        if self._hidden_categories is None and loaded is not None and loaded.id == post.category_id:
            return visibility.admits(loaded, self)  # a post's page loads its category: no need to read them all
        return post.category_id not in self.hidden_category_ids()

    def can_see_category(self, category: Category) -> bool:
        """Whether the category, its name and its posts may be shown (menus, filters, forms)."""
        return category.id not in self.hidden_category_ids()

    def hidden_category_ids(self) -> frozenset[int]:
        """The categories this person may not see, read once per Guardian (once per request)."""
        if self._hidden_categories is None:
            self._hidden_categories = visibility.hidden_categories(self)
        return self._hidden_categories

    def audience(self) -> visibility.Audience:
        """What restricted categories may admit this member by (their domain, companies, claims)."""
        if self._audience is None:
            self._audience = visibility.audience_of(self.user) if self.is_member else visibility.Audience()
        return self._audience

    def can_see_comment(self, comment: Comment) -> bool:
        if comment.deleted_at is not None or comment.is_hidden:
            return self.is_moderator
        return True

    # -- writing -------------------------------------------------------------
    def can_post(self) -> bool:
        return self.can_write

    def can_vote(self, post: Post) -> bool:
        return self.can_write and not post.is_locked and post.deleted_at is None

    def can_comment(self, post: Post) -> bool:
        if not self.can_write or post.deleted_at is not None:
            return False
        return not post.is_locked or self.is_moderator

    def can_edit_post(self, post: Post) -> bool:
        return self.can_write and post.deleted_at is None and (self._owns(post) or self.is_moderator)

    def can_delete_post(self, post: Post) -> bool:
        return self.can_write and post.deleted_at is None and (self._owns(post) or self.is_moderator)

    def can_delete_comment(self, comment: Comment) -> bool:
        return self.can_write and comment.deleted_at is None and (self._owns(comment) or self.is_moderator)

    def can_edit_comment(self, comment: Comment, post: Post) -> bool:
        """Only the author edits a comment's words, while it is in sight and its post takes comments;
        moderators hide or delete, never put words in a member's mouth."""
        return (
            self.can_write
            and self._owns(comment)
            and comment.deleted_at is None
            and not comment.is_hidden
            and post.deleted_at is None
            and not post.is_locked
        )

    def can_see_comment_revisions(self) -> bool:
        return self.is_moderator

    def can_flag(self, target: Post | Comment) -> bool:
        return self.can_write and not self._owns(target) and target.deleted_at is None

    def can_moderate(self) -> bool:
        """Hide, lock, pin, move, restore, handle reports."""
        return self.is_moderator and self.can_write

    def can_merge(self, post: Post) -> bool:
        """Merge a duplicate into its original, or undo that (moderators, staff and admins)."""
        return self.can_moderate() and post.deleted_at is None

    def can_see_notes(self) -> bool:
        return self.is_staff

    def can_see_companies(self) -> bool:
        """A person's companies beside their name: staff views only, never a public page."""
        return self.is_staff

    def can_see_audit(self) -> bool:
        return self.is_staff

    def can_manage_categories(self) -> bool:
        """Create categories and choose who may see them (admins)."""
        return self.is_admin and self.can_write

    def can_change_roles(self) -> bool:
        return self.is_admin and self.can_write

    def can_manage_api_keys(self) -> bool:
        """Create and revoke API keys, for oneself or a service account."""
        return self.is_admin and self.can_write

    def can_manage_webhooks(self) -> bool:
        """Webhook endpoints, their secrets and deliveries (admins)."""
        return self.is_admin and self.can_write

    def can_suspend(self, user) -> bool:
        """Moderators suspend members; nobody suspends their equal or better, nor themselves."""
        return self.is_moderator and self.can_write and Role(user.role).rank < self.role.rank

    def can_respond(self, post: Post) -> bool:
        return self.is_staff and self.can_write and post.deleted_at is None

    def can_change_status(self, post: Post) -> bool:
        return self.is_staff and self.can_write and post.deleted_at is None

    def can_vote_on_behalf(self, post: Post) -> bool:
        """Record a request heard elsewhere as a customer's vote (staff)."""
        return self.is_staff and self.can_write and post.deleted_at is None and not post.is_locked

    def can_tag(self, post: Post) -> bool:
        """Label a post with tags (staff)."""
        return self.is_staff and self.can_write and post.deleted_at is None

    def can_write_release_notes(self) -> bool:
        return self.is_staff and self.can_write

    def can_manage_statuses(self) -> bool:
        """Name, colour, order and archive the statuses (admins)."""
        return self.is_admin and self.can_write

    # -- staff tools -----------------------------------------------------------
    def can_use_staff_tools(self) -> bool:
        """The queue, insights and exports."""
        return self.is_staff

    def can_import_companies(self) -> bool:
        return self.is_admin and self.can_write

    def can_configure_sign_in(self) -> bool:
        """OpenID Connect providers and the token hand-off's settings page."""
        return self.is_admin and self.can_write

    def can_see_demand(self) -> bool:
        """Who asked for a post: companies, plans, revenue, the source of each vote (never public)."""
        return self.is_staff

    def ensure(self, allowed: bool) -> None:
        """Refuse with 403 unless allowed (views send visitors to sign in first)."""
        if not allowed:
            abort(403)


def anyone() -> Guardian:
    """The Guardian of no one in particular: what a feed reader, a crawler or a shared card may show."""
    return Guardian(AnonymousUser())


def guardian() -> Guardian:
    """The Guardian of the current request's user, made once per request."""
    if "guardian" not in g:
        g.guardian = Guardian(current_user._get_current_object())
    return g.guardian
