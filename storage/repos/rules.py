"""Alert rules: create (a `Subscription` of kind "rule" and its `AlertRule` in one transaction), change, find, list.

Removing a rule is removing its subscription (`storage.repos.schedule.delete_subscription`): the rule row, its
claims, incidents and mutes go with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.tables.rules import AlertRule
from storage.tables.schedule import Sensitivity, Subscription, SubscriptionKind


@dataclass(frozen=True, kw_only=True)
class RuleFields:
    """What a rule watches, as stored (see `AlertRule`)."""

    source: str
    metric: str
    condition: str
    threshold: float
    percent: bool
    window: str
    dimension: str = ""
    dimension_value: str = ""


@dataclass(frozen=True, kw_only=True)
class StoredRule:
    subscription: Subscription
    rule: AlertRule

    @property
    def id(self) -> int:
        assert self.subscription.id is not None
        return self.subscription.id

    def fields(self) -> RuleFields:
        rule = self.rule
        return RuleFields(
            source=rule.source,
            metric=rule.metric,
            condition=rule.condition,
            threshold=rule.threshold,
            percent=rule.percent,
            window=rule.window,
            dimension=rule.dimension,
            dimension_value=rule.dimension_value,
        )


def _apply(rule: AlertRule, fields: RuleFields) -> None:
    rule.source = fields.source
    rule.metric = fields.metric
    rule.condition = fields.condition
    rule.threshold = fields.threshold
    rule.percent = fields.percent
    rule.window = fields.window
    rule.dimension = fields.dimension
    rule.dimension_value = fields.dimension_value


async def create_rule(
    *,
    session: AsyncSession,
    workspace_id: int,
    channel_id: str,
    fields: RuleFields,
    timezone: str,
    created_by: str,
    now: datetime,
) -> StoredRule:
    subscription = Subscription(
        workspace_id=workspace_id,
        channel_id=channel_id,
        kind=SubscriptionKind.RULE.value,
        timezone=timezone,
        sensitivity=Sensitivity.MEDIUM.value,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(subscription)
    await session.flush()
    assert subscription.id is not None
    rule = AlertRule(
        subscription_id=subscription.id,
        workspace_id=workspace_id,
        source=fields.source,
        metric=fields.metric,
        condition=fields.condition,
        threshold=fields.threshold,
        percent=fields.percent,
        window=fields.window,
        dimension=fields.dimension,
        dimension_value=fields.dimension_value,
    )
    session.add(rule)
    await session.flush()
    return StoredRule(subscription=subscription, rule=rule)


async def update_rule(
    *,
    session: AsyncSession,
    workspace_id: int,
    subscription_id: int,
    channel_id: str,
    fields: RuleFields,
    changed_by: str,
    now: datetime,
) -> StoredRule | None:
    """Change one rule of this workspace (its channel too); None when it is gone or another workspace's."""
    found = await get_rule(session=session, workspace_id=workspace_id, subscription_id=subscription_id)
    if found is None:
        return None
    _apply(found.rule, fields)
    found.subscription.channel_id = channel_id
    found.subscription.created_by = changed_by
    found.subscription.updated_at = now  # replicas notice changes by this column
    await session.flush()
    return found


async def get_rule(*, session: AsyncSession, workspace_id: int, subscription_id: int) -> StoredRule | None:
    """One rule of this workspace (None for another workspace's id: ids arrive from people and buttons)."""
    row = (
        await session.execute(
            select(Subscription, AlertRule)
            .join(AlertRule, col(AlertRule.subscription_id) == col(Subscription.id))
            .where(col(Subscription.workspace_id) == workspace_id, col(Subscription.id) == subscription_id)
        )
    ).first()
    return None if row is None else StoredRule(subscription=row[0], rule=row[1])


async def list_rules(*, session: AsyncSession, workspace_id: int) -> list[StoredRule]:
    rows = (
        await session.execute(
            select(Subscription, AlertRule)
            .join(AlertRule, col(AlertRule.subscription_id) == col(Subscription.id))
            .where(col(Subscription.workspace_id) == workspace_id)
            .order_by(col(Subscription.channel_id), col(Subscription.id))
        )
    ).all()
    return [StoredRule(subscription=subscription, rule=rule) for subscription, rule in rows]
