"""The digest reports the fake dataset's numbers, reaches Slack once per (channel, day) whatever crashes or runs
twice, and stays within Block Kit's limits."""

import asyncio
import json
import statistics
from datetime import date, timedelta
from typing import Any

import pytest

from bot.digest.blocks import chart_title, digest_blocks, section_texts
from bot.digest.jobs import DigestCatchUpJob, DigestTiming
from bot.digest.report import DigestAnomaly, DigestReport, MetricKind, Mover, MoverKind, compare
from bot.google.problems import ReconnectNeeded
from bot.scheduler.jobs import digest_period
from bot.scheduler.posting import METADATA_EVENT_TYPE, PostResult
from storage.db import Database
from storage.repos.schedule import claim_post, get_claim
from tests.bot.digest.world import World, make_world
from tools.sample.dataset import PropertyDataset, TrackingBroken

POSTED_ON = date(2026, 11, 20)
REPORTED = date(2026, 11, 19)
GSC_COMPLETE = date(2026, 11, 17)  # the fake's first incomplete Search Console day is Nov 18


def _ga4_total(world: World, metric: str, day: date) -> float:
    return float(world.dataset.ga4().atoms[metric][world.dataset.day_index(day)].sum())


def _gsc_total(world: World, metric: str, day: date) -> float:
    cube = world.dataset.gsc()
    return float(cube.atoms[metric][cube.days.index(day)].sum())


def _posts(world: World, channel: str | None = None) -> list[Any]:
    return [
        call
        for call in world.slack.ok_calls_to("chat.postMessage")
        if channel is None or call.get("channel") == channel
    ]


async def test_the_digest_numbers_match_the_dataset_for_a_known_day(database: Database) -> None:
    async with make_world(database) as world:
        composed = await world.digest_service().compose(
            workspace_id=world.workspace_id, channel_id="C0GROWTH", local_day=POSTED_ON
        )
        assert composed is not None and composed.report is not None
        report = composed.report
        lines = {line.key: line for line in report.ga4 + report.gsc}
        weeks_back = [REPORTED - timedelta(days=7 * n) for n in range(1, 5)]

        for metric in ("sessions", "totalUsers", "keyEvents"):
            assert lines[metric].value == _ga4_total(world, metric, REPORTED)
            assert lines[metric].last_week == _ga4_total(world, metric, REPORTED - timedelta(days=7))
            assert lines[metric].median_4w == statistics.median(_ga4_total(world, metric, d) for d in weeks_back)
        assert report.gsc_day == GSC_COMPLETE
        clicks = _gsc_total(world, "clicks", GSC_COMPLETE)
        impressions = _gsc_total(world, "impressions", GSC_COMPLETE)
        assert lines["clicks"].value == clicks
        assert lines["impressions"].value == impressions
        assert lines["ctr"].value == pytest.approx(clicks / impressions)
        assert lines["position"].value == pytest.approx(
            _gsc_total(world, "positionSum", GSC_COMPLETE) / 100 / impressions
        )
        assert lines["clicks"].last_week == _gsc_total(world, "clicks", GSC_COMPLETE - timedelta(days=7))
        # What reaches Slack shows the same numbers, formatted.
        text = "\n".join(section_texts(composed.blocks))
        assert f"*Sessions*  {round(_ga4_total(world, 'sessions', REPORTED)):,}" in text
        assert "Thursday Nov 19" in text and "Tuesday Nov 17 (latest complete day)" in text
        assert f"*Organic clicks*  {round(clicks):,}" in text and "*Avg. position (lower is better)*" in text
        # Impressions and CTR ride on one compact line under the two main Search Console numbers.
        compact = "\n".join(
            element["text"] for block in composed.blocks if block["type"] == "context" for element in block["elements"]
        )
        assert "Impressions " in compact and "CTR " in compact
        # One batchRunReports and two Search Console queries: the minimum for this digest.
        assert [call.route for call in world.google.calls()].count("batchRunReports") == 1
        assert [call.route for call in world.google.calls()].count("searchAnalytics.query") == 2
        assert len(world.google.calls()) == 3


async def test_revenue_is_shown_in_the_property_currency_and_only_when_there_is_some() -> None:
    series = {REPORTED - timedelta(days=n): 1234.5 for n in range(29)}
    line = compare(series, day=REPORTED, key="totalRevenue", label="Revenue", kind=MetricKind.CURRENCY)
    report = DigestReport(title="Acme", day=REPORTED, currency="EUR", ga4=[line])

    text = "\n".join(section_texts(digest_blocks(report)))

    assert "*Revenue*  €1,234" in text
    assert "0 % vs last Thu" in text


def test_each_unusual_day_is_dated_by_its_own_source() -> None:
    # Search Console lags GA4 by a day or two: its line names its own latest complete day, whatever its label says.
    gsc_day = REPORTED - timedelta(days=2)
    report = DigestReport(
        title="Acme",
        day=REPORTED,
        currency="USD",
        gsc_day=gsc_day,
        anomalies=[
            DigestAnomaly(metric_label="Sessions", day=REPORTED, direction="down", expected=1000, actual=400),
            DigestAnomaly(metric_label="Clicks from Google", day=gsc_day, direction="up", expected=200, actual=900),
        ],
    )

    lines = next(line for line in section_texts(digest_blocks(report)) if "unusually" in line).splitlines()

    assert lines[0].startswith(":warning: Nov 19: *Sessions* unusually low, 400")
    assert lines[1].startswith(":warning: Nov 17: *Clicks from Google* unusually high, 900")


async def test_a_digest_is_posted_once_with_its_metadata_and_chart(database: Database) -> None:
    async def chart(report: DigestReport) -> bytes:
        return b"\x89PNG fake chart with " + str(len(report.chart_series)).encode()

    async with make_world(database) as world:
        subscription = await world.subscribe("C0GROWTH")
        service = world.digest_service(chart=chart)

        first = await service.run_digest(subscription, local_day=POSTED_ON)
        again = await service.run_digest(subscription, local_day=POSTED_ON)

        posts = _posts(world, "C0GROWTH")
        assert (first.result, again.result) == (PostResult.POSTED, PostResult.ALREADY_DONE)
        assert len(posts) == 1
        assert posts[0].get("metadata") == {
            "event_type": METADATA_EVENT_TYPE,
            "event_payload": {"subscription_id": subscription.id, "period": digest_period(POSTED_ON)},
        }
        completes = world.slack.ok_calls_to("files.completeUploadExternal")
        assert len(completes) == 1 and completes[0].get("channel_id") == "C0GROWTH"
        assert any(upload.content == b"\x89PNG fake chart with 28" for upload in world.slack.uploads.values())
        async with database.session() as session:
            claim = await get_claim(session=session, subscription_id=subscription.id, period=digest_period(POSTED_ON))
        assert claim is not None and claim.message_ts == posts[0].response["ts"]


async def test_a_restart_in_the_middle_of_a_digest_run_posts_each_digest_exactly_once(database: Database) -> None:
    async with make_world(database, latency=0.4) as world:
        channels = ["C01", "C02", "C03", "C04"]
        subscriptions = {channel: await world.subscribe(channel, time_of_day="09:00") for channel in channels}
        timing = DigestTiming(window_seconds=0)
        # Given a replica that died earlier after Slack accepted C04's digest but before recording it...
        died_at = world.clock()
        async with database.session() as session:
            await claim_post(
                session=session,
                workspace_id=world.workspace_id,
                subscription_id=subscriptions["C04"].id,
                period=digest_period(POSTED_ON),
                claimant="replica-0",
                now=died_at,
                stale_after=timedelta(seconds=60),
            )
        await world.client().chat_postMessage(
            channel="C04",
            text="digest",
            metadata={
                "event_type": METADATA_EVENT_TYPE,
                "event_payload": {"subscription_id": subscriptions["C04"].id, "period": digest_period(POSTED_ON)},
            },
        )
        # ...and a second replica that is killed while its run is fetching from Google,
        world.clock.advance(seconds=30)
        first = DigestCatchUpJob(
            database=database, runner=world.digest_service(claimant="replica-1"), clock=world.clock, timing=timing
        )
        run = asyncio.create_task(first.run())
        await asyncio.sleep(0.15)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        assert _posts(world, "C01") == []

        # when the restarted process runs the catch-up once its predecessors' claims are stale,
        world.clock.advance(seconds=61)
        restarted = DigestCatchUpJob(
            database=database, runner=world.digest_service(claimant="replica-2"), clock=world.clock, timing=timing
        )
        await restarted.run()
        await restarted.run()  # and again: nothing left to do

        # then every channel got exactly one digest for the day, C04 included.
        assert {channel: len(_posts(world, channel)) for channel in channels} == dict.fromkeys(channels, 1)
        async with database.session() as session:
            for subscription in subscriptions.values():
                claim = await get_claim(
                    session=session, subscription_id=subscription.id, period=digest_period(POSTED_ON)
                )
                assert claim is not None and claim.posted_at is not None and claim.message_ts


async def test_two_schedulers_running_the_same_digests_at_once_post_each_once(database: Database) -> None:
    async with make_world(database, latency=0.05) as world:
        channels = [f"C0{index}" for index in range(6)]
        for channel in channels:
            await world.subscribe(channel)
        timing = DigestTiming(window_seconds=0)
        jobs = [
            DigestCatchUpJob(
                database=database, runner=world.digest_service(claimant=name), clock=world.clock, timing=timing
            )
            for name in ("replica-1", "replica-2")
        ]

        await asyncio.gather(*(job.run() for job in jobs))
        await asyncio.gather(*(job.run() for job in jobs))

        assert {channel: len(_posts(world, channel)) for channel in channels} == dict.fromkeys(channels, 1)


async def test_a_revoked_google_grant_gets_a_short_reconnect_message(database: Database) -> None:
    class Revoked:
        async def resolve_target(self, *, workspace_id: int, channel_id: str | None) -> Any:
            raise ReconnectNeeded

    async with make_world(database) as world:
        subscription = await world.subscribe("C0GROWTH")
        service = world.digest_service(targets=Revoked())

        outcome = await service.run_digest(subscription, local_day=POSTED_ON)

        assert outcome.result is PostResult.POSTED
        (post,) = _posts(world, "C0GROWTH")
        assert "/lookout connect" in post.get("text")
        assert world.google.calls() == []


def test_blocks_stay_within_slack_limits_and_escape_google_values() -> None:
    hostile = "<!channel> " + "x" * 5000
    movers = [
        Mover(kind=MoverKind.PAGE, label=f"/blog/{hostile}{n}", metric="sessions", before=10, after=500 + n)
        for n in range(40)
    ]
    report = DigestReport(title=hostile, day=REPORTED, currency="USD", movers=movers, site_label=hostile)

    blocks = digest_blocks(report)

    assert len(blocks) <= 50
    assert all(len(text) <= 3000 for text in section_texts(blocks))
    assert "<!channel>" not in json.dumps(blocks)
    assert "<!channel>" not in chart_title(report)  # the chart's file title


async def test_the_days_anomalies_are_in_the_digest(database: Database) -> None:
    dataset = PropertyDataset()
    dataset.inject(TrackingBroken(start=REPORTED, end=POSTED_ON))
    async with make_world(database, dataset=dataset) as world:
        composed = await world.digest_service().compose(
            workspace_id=world.workspace_id, channel_id="C0GROWTH", local_day=POSTED_ON
        )
        clean = await world.digest_service().compose(
            workspace_id=world.workspace_id, channel_id="C0GROWTH", local_day=POSTED_ON - timedelta(days=2)
        )

    assert composed is not None and clean is not None
    text = "\n".join(section_texts(composed.blocks))
    assert ":warning: Nov 19: *Sessions* unusually low, " in text
    assert ":warning:" not in "\n".join(section_texts(clean.blocks))
