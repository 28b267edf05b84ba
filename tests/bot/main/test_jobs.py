"""The planner's jobs: each digest and each alert check is one trace when tracing is on; each alert rule gets its own
check."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.alerts.jobs import AlertCheckJob
from bot.digest.jobs import DigestTiming
from bot.main.jobs import TracedDigests, make_planner
from bot.observe import tracing
from bot.scheduler.posting import PostOutcome, PostResult
from storage.db import Database
from storage.repos.schedule import ScheduledSubscription
from storage.tables.schedule import SubscriptionKind
from tests.helpers.spans import recording


def subscription(kind: SubscriptionKind, *, id_: int) -> ScheduledSubscription:
    return ScheduledSubscription(
        id=id_,
        workspace_id=3,
        team_id="T1",
        enterprise_id="",
        channel_id="C42",
        kind=kind,
        time_of_day="09:00",
        timezone="UTC",
        sensitivity="medium",
    )


class Runner:
    async def run_digest(self, subscription: ScheduledSubscription, *, local_day: date) -> PostOutcome:
        with tracing.child_span("compose"):
            return PostOutcome(result=PostResult.POSTED, message_ts="1.2")


class Checker:
    async def check(self, subscription: ScheduledSubscription) -> object:
        with tracing.child_span("scan"):
            return subscription.id


async def test_each_digest_is_its_own_trace() -> None:
    traced = TracedDigests(Runner())
    with recording() as recorded:
        outcomes = [
            await traced.run_digest(subscription(SubscriptionKind.DIGEST, id_=n), local_day=date(2026, 12, 6))
            for n in (1, 2)
        ]

    assert [outcome.result for outcome in outcomes] == [PostResult.POSTED] * 2
    roots = [span for span in recorded.spans if span.parent is None]
    assert [root.name for root in roots] == ["lookout digest", "lookout digest"]
    assert len({root.context.trace_id for root in roots}) == 2
    assert roots[0].attributes == {
        "lookout.workspace_id": 3,
        "lookout.subscription_id": 1,
        "lookout.slack.channel_id": "C42",
    }
    composes = [span for span in recorded.spans if span.name == "compose"]
    assert [span.parent.span_id for span in composes if span.parent] == [root.context.span_id for root in roots]


async def test_the_planner_traces_each_alert_check() -> None:
    database = Database("sqlite:///:memory:")
    planner = make_planner(
        database=database,
        clock=lambda: datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
        digests=Runner(),
        alerts=Checker(),
        timing=DigestTiming(),
    )
    plan = planner([subscription(SubscriptionKind.ALERTS, id_=9)])
    [job] = [job for job in plan.jobs if isinstance(job, AlertCheckJob)]
    with recording() as recorded:
        await job.run()
    await database.dispose()

    root, scan = sorted(recorded.spans, key=lambda span: span.parent is not None)
    assert root.name == "lookout alert" and root.parent is None
    assert (root.attributes or {})["lookout.subscription_id"] == 9
    assert scan.parent is not None and scan.parent.span_id == root.context.span_id


class Recorder:
    def __init__(self) -> None:
        self.checked: list[int] = []

    async def check(self, subscription: ScheduledSubscription) -> object:
        self.checked.append(subscription.id)
        return None


async def test_each_rule_gets_its_own_check_and_alerts_stay_with_the_detector(database: Database) -> None:
    alerts, rules = Recorder(), Recorder()
    planner = make_planner(
        database=database,
        clock=lambda: datetime.now(UTC),
        digests=Runner(),
        alerts=alerts,
        rules=rules,
        timing=DigestTiming(window_seconds=0),
    )
    subscriptions = [
        subscription(SubscriptionKind.DIGEST, id_=1),
        subscription(SubscriptionKind.ALERTS, id_=2),
        subscription(SubscriptionKind.RULE, id_=3),
        subscription(SubscriptionKind.RULE, id_=4),
    ]

    jobs = {job.name: job for job in planner(subscriptions).jobs}
    for name in ("alerts:2", "rule:3", "rule:4"):
        await jobs[name].run()

    assert {"digest:1", "alerts:2", "rule:3", "rule:4"} <= set(jobs)
    assert (alerts.checked, rules.checked) == ([2], [3, 4])
