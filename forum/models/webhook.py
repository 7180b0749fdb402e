"""Webhook endpoints, the deliveries queued for them, and each attempt at a delivery."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow


class WebhookEvent(StrEnum):
    POST_CREATED = "post.created"
    POST_STATUS_CHANGED = "post.status_changed"
    POST_MERGED = "post.merged"
    OFFICIAL_RESPONSE_CREATED = "official_response.created"
    COMMENT_CREATED = "comment.created"
    VOTE_CREATED = "vote.created"
    VOTE_DELETED = "vote.deleted"
    CHANGELOG_PUBLISHED = "changelog.published"

    @property
    def label(self) -> str:
        return WEBHOOK_EVENT_LABELS[self]


WEBHOOK_EVENT_LABELS = {
    WebhookEvent.POST_CREATED: "A post is published",
    WebhookEvent.POST_STATUS_CHANGED: "A post's status changes",
    WebhookEvent.POST_MERGED: "A post is merged into another",
    WebhookEvent.OFFICIAL_RESPONSE_CREATED: "An official response is given",
    WebhookEvent.COMMENT_CREATED: "A comment is written",
    WebhookEvent.VOTE_CREATED: "A vote is cast",
    WebhookEvent.VOTE_DELETED: "A vote is taken back",
    WebhookEvent.CHANGELOG_PUBLISHED: "A release note is published",
}
# Sent when an admin presses "Send test", whatever the endpoint subscribed to.
TEST_EVENT = "webhook.test"


class EndpointType(StrEnum):
    STANDARD = "standard"  # signed JSON per the Standard Webhooks specification
    SLACK = "slack"  # a Slack incoming-webhook URL: a formatted message

    @property
    def label(self) -> str:
        return {"standard": "Standard Webhooks (signed JSON)", "slack": "Slack incoming webhook"}[self.value]


class WebhookEndpoint(db.Model):
    """A receiver of events. Its secret signs every delivery; after a rotation the previous secret
    keeps signing too until `previous_secret_expires_at`, so a receiver can switch without a gap."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    type: Mapped[EndpointType] = mapped_column(String(20), default=EndpointType.STANDARD)
    # Kept to sign, so stored as given (an HMAC key cannot be a digest); shown to the admin once.
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    # When the current run of failures started; None after a success.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscriptions: Mapped[list["WebhookSubscription"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="WebhookSubscription.event"
    )

    @property
    def events(self) -> list[str]:
        return [s.event for s in self.subscriptions]

    @property
    def type_enum(self) -> EndpointType:
        return EndpointType(self.type)


class WebhookSubscription(db.Model):
    """One event an endpoint wants: a row each, so an event finds its endpoints in SQL."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_event", "event"),)

    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), primary_key=True)
    event: Mapped[str] = mapped_column(String(40), primary_key=True)


class WebhookDelivery(db.Model):
    """One event for one endpoint: queued in the event's own transaction, sent after commit.

    `facts` holds only ids and statuses; the payload (titles, links, counts) is built when sent,
    from what a visitor may see then, so a post hidden meanwhile never leaves the site."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    # The `webhook-id` header: the same for every attempt and redelivery, so receivers can drop repeats.
    message_id: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(40))
    facts: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None once it is settled: delivered, given up, or withheld.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    # pending, delivered, failed (retries exhausted or endpoint disabled), withheld (not for visitors' eyes)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    last_status: Mapped[int | None]
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="raise")
    attempt_log: Mapped[list["WebhookAttempt"]] = relationship(lazy="raise", order_by="WebhookAttempt.id")


class WebhookAttempt(db.Model):
    """One try at sending a delivery: what the receiver answered, for the delivery log."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery_id", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    response_snippet: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(default=0)
