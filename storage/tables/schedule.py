"""Scheduled work: digest/alert subscriptions, exactly-once post claims, alert incidents and alert feedback."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.tables.base import timestamp_column, utcnow, workspace_fk_column


class SubscriptionKind(StrEnum):
    DIGEST = "digest"
    ALERTS = "alerts"
    RULE = "rule"  # one row per alert rule (its details: `storage.tables.rules.AlertRule`)


class DigestCadence(StrEnum):
    """How often a digest is posted: every day (yesterday), every week (the last complete ISO week, Mon–Sun) or
    every month (the last complete calendar month)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Sensitivity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class FeedbackKind(StrEnum):
    EXPECTED = "expected"
    MUTE = "mute"


def _subscription_fk() -> Column[int]:
    return Column(Integer, ForeignKey("subscription.id", ondelete="CASCADE"), nullable=False, index=True)


# Rules are the one kind a channel may have several of.
_ONE_PER_CHANNEL = text("kind <> 'rule'")


class Subscription(SQLModel, table=True):
    """One channel's digest or alerts (at most one alerts subscription per channel, and one digest per cadence: a
    channel may have a daily and a weekly digest), or one of its alert rules (as many as it likes).

    `timezone` is resolved when subscribing (the GA4 property's, unless the person named one), so the scheduler
    never needs Google to know when a digest is due.
    """

    __table_args__ = (
        Index(
            "uq_subscription_channel_kind_cadence",
            "workspace_id",
            "channel_id",
            "kind",
            "cadence",
            unique=True,
            sqlite_where=_ONE_PER_CHANNEL,
            postgresql_where=_ONE_PER_CHANNEL,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    channel_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)  # SubscriptionKind
    time_of_day: str = Field(default="09:00", max_length=5)  # HH:MM, local to `timezone`
    timezone: str = Field(default="UTC", max_length=64)  # IANA name
    sensitivity: str = Field(default="medium", max_length=8)  # Sensitivity, alerts only
    cadence: str = Field(default="daily", max_length=8, sa_column_kwargs={"server_default": "daily"})  # DigestCadence
    # Weekly digests: the day they are posted on (0 = Monday … 6 = Sunday); they report the last complete week.
    weekday: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Weekly and monthly digests: the KPIs shown, comma-separated keys of `bot.digest.kpis`; "" = the default set.
    kpis: str = Field(default="", max_length=400, sa_column_kwargs={"server_default": ""})
    # A roll-up digest (agencies): one line per GA4 property the workspace's Google grant reads, instead of the
    # channel's own property. `properties`: the chosen property ids, comma-separated; "" = every one the grant lists.
    rollup: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    properties: str = Field(default="", max_length=1000, sa_column_kwargs={"server_default": ""})
    created_by: str = Field(default="", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))


class PostClaim(SQLModel, table=True):
    """The right to post one (subscription, period) message; the unique key lets exactly one claimant win.

    A claim is taken before posting and marked posted (with the message ts) right after. An unposted claim older
    than the claim lease belongs to a claimant that died mid-post; it may be taken over under a new `token`,
    after checking Slack for a message the dead claimant might already have posted.
    """

    __table_args__ = (UniqueConstraint("subscription_id", "period", name="uq_postclaim_subscription_period"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    subscription_id: int = Field(sa_column=_subscription_fk())
    period: str = Field(max_length=200)  # e.g. "digest:2026-11-20", "alert:<fingerprint>:<start>"
    token: str = Field(max_length=64)  # changes on every (re)claim; only the holder of the token may mark it posted
    claimed_by: str = Field(max_length=128)
    claimed_at: datetime = Field(sa_column=timestamp_column())
    attempts: int = 1
    posted_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    message_ts: str | None = Field(default=None, max_length=32)


class AlertIncident(SQLModel, table=True):
    """One anomaly that was alerted: open until the series recovers, then followed up in the alert's thread."""

    __table_args__ = (
        UniqueConstraint("subscription_id", "fingerprint", "started_at", name="uq_alertincident_sub_fp_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    subscription_id: int = Field(sa_column=_subscription_fk())
    channel_id: str = Field(max_length=32)
    fingerprint: str = Field(max_length=200, index=True)  # metric|scope|direction: what "similar" means
    metric: str = Field(max_length=64)
    direction: str = Field(max_length=8)  # "up" or "down"
    severity: str = Field(max_length=16)
    started_at: datetime = Field(sa_column=timestamp_column())
    opened_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    closed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    message_ts: str | None = Field(default=None, max_length=32)
    summary: str = Field(default="")  # what the alert said, for "Ask Lookout why"
    # What "similar" means for this alert's feedback: one key per series the event moved (metric and direction,
    # any granularity or kind), one per line; "Expected" / "Mute" answers are stored under each.
    similar_keys: str = Field(default="")


class AlertFeedback(SQLModel, table=True):
    """A person's answer to an alert ("Expected", "Mute 7 days"); suppresses similar alerts until it expires."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    subscription_id: int = Field(sa_column=_subscription_fk())
    incident_id: int | None = Field(default=None)
    fingerprint: str = Field(max_length=200, index=True)  # a similarity key (see AlertIncident.similar_keys)
    kind: str = Field(max_length=16)  # FeedbackKind
    user_id: str = Field(default="", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    expires_at: datetime = Field(sa_column=timestamp_column(index=True))


class SchedulerLease(SQLModel, table=True):
    """Leadership: the replica named in `holder` runs scheduled jobs until `expires_at` unless it renews."""

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    acquired_at: datetime = Field(sa_column=timestamp_column())
    expires_at: datetime = Field(sa_column=timestamp_column())
