"""Weekly and monthly digests against the fake Google: the numbers are the dataset's for the exact periods (the
week or month, the one before, the same one a year before), Search Console only counts complete days, every point
carries a number, and each week or month reaches Slack once across replicas."""

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from bot.digest.blocks import section_texts
from bot.digest.charts import periodic_chart_spec
from bot.digest.compose_parts import ComposedDigest
from bot.digest.jobs import DigestCatchUpJob, DigestTiming
from bot.digest.kpis import chosen, kpi_for
from bot.digest.periodic import KpiLine, KpiMove, PeriodicReport, QueryRank, QueryRose, Quiet, Segment
from bot.digest.periodic_blocks import periodic_blocks, periodic_text
from bot.digest.report import MoverKind
from bot.scheduler.periods import Period
from bot.scheduler.posting import PostResult
from bot.text.daily_digest import PROBLEMS
from storage.db import Database
from storage.repos.schedule import get_claim
from storage.tables.schedule import DigestCadence
from tests.bot.digest.world import World, make_world
from tools.base import ToolUserError
from tools.sample.dataset import PropertyDataset
from tools.sample.events import event_count

FRIDAY = date(2026, 11, 20)  # the dataset's today
WEEK = Period(start=date(2026, 11, 9), end=date(2026, 11, 15))
WEEK_BEFORE = Period(start=date(2026, 11, 2), end=date(2026, 11, 8))
WEEK_LAST_YEAR = Period(start=date(2025, 11, 10), end=date(2025, 11, 16))
OCTOBER = Period(start=date(2026, 10, 1), end=date(2026, 10, 31))
LONG_HISTORY = 460  # enough days for the same period a year before and the chart's year-ago weeks


def _ga4(world: World, metric: str, period: Period) -> float:
    atoms = world.dataset.ga4().atoms[metric]
    return float(sum(atoms[world.dataset.day_index(day)].sum() for day in period.dates()))


def _gsc(world: World, metric: str, period: Period) -> float:
    cube = world.dataset.gsc()
    return float(sum(cube.atoms[metric][cube.days.index(day)].sum() for day in period.dates()))


async def _compose(world: World, cadence: DigestCadence, *, local_day: date, kpis: str = "") -> ComposedDigest:
    composed = await world.digest_service().compose(
        workspace_id=world.workspace_id, channel_id="C0GROWTH", local_day=local_day, cadence=cadence, kpis=kpis
    )
    assert composed is not None and composed.periodic is not None
    return composed


def _lines(composed: ComposedDigest) -> dict[str, KpiLine]:
    assert composed.periodic is not None
    return {line.kpi.key: line for line in composed.periodic.lines}


def _posts(world: World, channel: str) -> list[Any]:
    return [call for call in world.slack.ok_calls_to("chat.postMessage") if call.get("channel") == channel]


async def test_a_weekly_digest_reports_the_datasets_numbers_for_the_week_the_week_before_and_last_year(
    database: Database,
) -> None:
    async with make_world(database, dataset=PropertyDataset(days=LONG_HISTORY)) as world:
        composed = await _compose(world, DigestCadence.WEEKLY, local_day=FRIDAY)
        report = composed.periodic
        assert report is not None
        lines = _lines(composed)

        assert (report.period, report.previous, report.year_ago) == (WEEK, WEEK_BEFORE, WEEK_LAST_YEAR)
        for metric in ("sessions", "totalUsers", "keyEvents"):
            assert lines[metric].value == _ga4(world, metric, WEEK)
            assert lines[metric].previous == _ga4(world, metric, WEEK_BEFORE)
            assert lines[metric].year_ago == _ga4(world, metric, WEEK_LAST_YEAR)
        # Search Console's first incomplete day is Nov 18: the whole week is complete.
        assert report.gsc_period == WEEK
        assert lines["gsc:clicks"].value == _gsc(world, "clicks", WEEK)
        assert lines["gsc:clicks"].previous == _gsc(world, "clicks", WEEK_BEFORE)
        assert lines["gsc:clicks"].year_ago == _gsc(world, "clicks", WEEK_LAST_YEAR)
        assert [line.kpi.key for line in report.lines] == [
            key
            for key in ("sessions", "totalUsers", "keyEvents", "totalRevenue", "sessionKeyEventRate", "gsc:clicks")
            if key in lines
        ]
        # One batchRunReports for every GA4 number, through the tools' report path.
        assert len(world.google.calls("batchRunReports")) == 1
        assert not world.google.calls("runReport")
        # The chart: 12 weeks ending with the reported one, each the sum of its days, and last year's beside it.
        assert [p.period for p in report.chart][-1] == WEEK and len(report.chart) == 12
        assert report.chart[-1].sessions == _ga4(world, "sessions", WEEK)
        assert report.chart[-1].year_ago == _ga4(world, "sessions", WEEK_LAST_YEAR)


async def test_the_weekly_post_has_wins_risks_and_next_steps_each_backed_by_a_number(database: Database) -> None:
    async with make_world(database, dataset=PropertyDataset(days=LONG_HISTORY)) as world:
        composed = await _compose(world, DigestCadence.WEEKLY, local_day=FRIDAY)
        texts = section_texts(composed.blocks)
        sessions = _ga4(world, "sessions", WEEK)

    heading = texts[0]
    assert "week of Nov 9–15, 2026" in heading and "Nov 2–8" in heading and "Nov 10–16, 2025" in heading
    assert f"*Sessions*  {sessions:,.0f}" in "\n".join(texts)
    sections = {text.split("\n")[0]: text.split("\n")[1:] for text in texts if text.startswith("*") and "\n•" in text}
    assert set(sections) >= {"*Wins*", "*Risks*"}
    for bullets in sections.values():
        for bullet in bullets:
            assert any(ch.isdigit() for ch in bullet), bullet
    footer = texts[-1]
    assert "GA4 properties/123456 · Nov 9–15" in footer and "never includes today" in footer
    assert composed.text.startswith("Acme Analytics weekly digest, Nov 9–15: ")


async def test_a_monthly_digest_reports_the_last_calendar_month(database: Database) -> None:
    async with make_world(database, dataset=PropertyDataset(days=LONG_HISTORY)) as world:
        composed = await _compose(world, DigestCadence.MONTHLY, local_day=FRIDAY)
        report = composed.periodic
        assert report is not None
        lines = _lines(composed)

        assert report.period == OCTOBER
        assert report.previous == Period(start=date(2026, 9, 1), end=date(2026, 9, 30))
        assert report.year_ago == Period(start=date(2025, 10, 1), end=date(2025, 10, 31))
        assert lines["sessions"].value == _ga4(world, "sessions", OCTOBER)
        assert lines["sessions"].previous == _ga4(world, "sessions", report.previous)
        assert lines["gsc:clicks"].value == _gsc(world, "clicks", OCTOBER)
        assert [p.period.start for p in report.chart] == [date(2025, 11, 1), date(2025, 12, 1)] + [
            date(2026, month, 1) for month in range(1, 11)
        ]
        assert section_texts(composed.blocks)[0].startswith("*Acme Analytics — October 2026*")


async def test_search_console_counts_only_complete_days_and_compares_as_many_days(database: Database) -> None:
    # On Monday Nov 16 Search Console has processed up to Nov 13: its part of the week is Nov 9–13.
    dataset = PropertyDataset(days=LONG_HISTORY, now=datetime(2026, 11, 16, 15, 30))
    async with make_world(database, dataset=dataset) as world:
        composed = await _compose(world, DigestCadence.WEEKLY, local_day=date(2026, 11, 16))
        report = composed.periodic
        assert report is not None
        clicks = _lines(composed)["gsc:clicks"]

        assert report.period == WEEK
        assert report.gsc_period == Period(start=date(2026, 11, 9), end=date(2026, 11, 13))
        assert clicks.value == _gsc(world, "clicks", report.gsc_period)
        assert clicks.previous == _gsc(world, "clicks", Period(start=date(2026, 11, 2), end=date(2026, 11, 6)))
        assert "Nov 9–13 (complete days" in section_texts(composed.blocks)[-1]


async def test_a_channel_shows_the_kpis_it_chose_and_is_told_which_the_property_lacks(database: Database) -> None:
    async with make_world(database, dataset=PropertyDataset(days=LONG_HISTORY)) as world:
        composed = await _compose(
            world,
            DigestCadence.WEEKLY,
            local_day=FRIDAY,
            kpis="keyEvents:purchase,gsc:position,keyEvents:no_such_event,sessions",
        )
        lines = _lines(composed)
        cube = world.dataset.ga4()
        first, last = world.dataset.day_index(WEEK.start), world.dataset.day_index(WEEK.end)
        purchases = float(
            event_count("purchase", lambda atom: cube.atoms[atom][first : last + 1], world.dataset.pages).sum()
        )

    assert list(lines) == ["keyEvents:purchase", "gsc:position", "sessions"]
    assert lines["keyEvents:purchase"].value == purchases
    assert any("keyEvents:no_such_event" in text for text in section_texts(composed.blocks))


async def test_without_a_year_of_history_the_year_comparison_says_so(database: Database) -> None:
    async with make_world(database, dataset=PropertyDataset(days=120)) as world:
        composed = await _compose(world, DigestCadence.WEEKLY, local_day=FRIDAY)
        lines = _lines(composed)
        texts = section_texts(composed.blocks)

    assert lines["sessions"].year_ago is None and lines["sessions"].previous is not None
    assert "y/y n/a" in "\n".join(texts).replace("n/a y/y", "y/y n/a")
    assert any("no data for the same week last year" in text for text in texts)


async def test_two_replicas_post_each_weeks_digest_once_and_the_week_only_once(database: Database) -> None:
    async with make_world(database, dataset=PropertyDataset(days=LONG_HISTORY), latency=0.05) as world:
        channels = ["C01", "C02", "C03"]
        subscriptions = {
            channel: await world.subscribe(channel, cadence=DigestCadence.WEEKLY, weekday=FRIDAY.weekday())
            for channel in channels
        }
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
        async with database.session() as session:
            claim = await get_claim(
                session=session, subscription_id=subscriptions["C01"].id, period="digest-week:2026-W46"
            )
        assert claim is not None and claim.posted_at is not None

        # Moved to Saturday the same week: the week is already posted.
        moved = await world.subscribe("C01", cadence=DigestCadence.WEEKLY, weekday=5)
        world.clock.advance(days=1)
        outcome = await world.digest_service(claimant="replica-2").run_digest(moved, local_day=FRIDAY + timedelta(1))
        assert outcome.result is PostResult.ALREADY_DONE
        assert len(_posts(world, "C01")) == 1
        posted = _posts(world, "C02")[0]
        assert posted.get("metadata")["event_payload"]["period"] == "digest-week:2026-W46"


def _hostile_report() -> PeriodicReport:
    evil = "<!channel> <https://evil.example|click> & co"
    sessions = kpi_for("sessions")
    key_events = kpi_for("keyEvents")
    assert sessions is not None and key_events is not None
    report = PeriodicReport(
        title=evil,
        cadence=DigestCadence.WEEKLY,
        period=WEEK,
        previous=WEEK_BEFORE,
        year_ago=WEEK_LAST_YEAR,
        currency="EUR",
        property_label="properties/1",
        site_label=evil,
        unknown_kpis=[evil],
    )
    channel = Segment(
        kind=MoverKind.CHANNEL, label=evil, before=100, after=300, key_events_before=5, key_events_after=5
    )
    page = Segment(kind=MoverKind.PAGE, label=evil, before=500, after=100, key_events_before=40, key_events_after=10)
    report.lines = [
        KpiLine(kpi=sessions, value=300, previous=100, year_ago=None),
        KpiLine(kpi=key_events, value=10, previous=40, year_ago=20),
    ]
    report.wins = [
        KpiMove(line=report.lines[0], driver=channel),
        QueryRose(rank=QueryRank(query=evil, position=3.2, position_before=9.8, impressions=900, clicks=40)),
    ]
    report.risks = [KpiMove(line=report.lines[1], driver=page)]
    report.steps = []
    return report


def test_values_from_google_are_escaped_and_cannot_ping_or_link() -> None:
    report = _hostile_report()
    texts = [*section_texts(periodic_blocks(report)), periodic_text(report)]

    for text in texts:
        assert "<!channel>" not in text and "<https://" not in text
    joined = "\n".join(texts)
    assert "&amp;" in joined and "&lt;" in joined
    assert "Sessions 300 (+200 % w/w, n/a y/y), led by" in joined
    assert "Key events 10 (−75 % w/w, −50 % y/y), mostly" in joined and "(−30 key events)" in joined


def test_the_default_kpis_and_a_quiet_week() -> None:
    assert [kpi.key for kpi in chosen("")] == [
        "sessions",
        "totalUsers",
        "keyEvents",
        "totalRevenue",
        "sessionKeyEventRate",
        "gsc:clicks",
    ]
    report = _hostile_report()
    report.wins, report.risks = [Quiet(improved=True)], [Quiet(improved=False)]
    joined = "\n".join(section_texts(periodic_blocks(report)))
    assert "No KPI rose 5 % or more w/w." in joined and "No KPI fell 5 % or more w/w." in joined


@pytest.mark.parametrize(
    ("cadence", "days", "series"),
    [
        (DigestCadence.WEEKLY, LONG_HISTORY, 2),
        (DigestCadence.MONTHLY, 800, 2),
        # Not 12 months of last year's data: no year-ago line rather than a partial one.
        (DigestCadence.MONTHLY, LONG_HISTORY, 1),
    ],
)
async def test_the_chart_shows_twelve_periods_and_last_years_when_there_is_all_of_it(
    database: Database, cadence: DigestCadence, days: int, series: int
) -> None:
    async with make_world(database, dataset=PropertyDataset(days=days)) as world:
        composed = await _compose(world, cadence, local_day=FRIDAY)
    assert composed.periodic is not None
    spec = periodic_chart_spec(composed.periodic)

    assert spec is not None and len(spec.series) == series
    assert len(spec.series[0].points) == 12
    if series == 2:
        assert spec.series[1].compared
        assert spec.series[1].points[-1].x == composed.periodic.year_ago.start.isoformat()
    assert spec.title.startswith("Sessions by week" if cadence is DigestCadence.WEEKLY else "Sessions by month")


async def test_a_section_google_refuses_says_so_and_the_other_section_still_reports(database: Database) -> None:
    async with make_world(database, dataset=PropertyDataset(days=LONG_HISTORY)) as world:
        world.google.fail_next("batchRunReports", status=403)
        composed = await _compose(world, DigestCadence.WEEKLY, local_day=FRIDAY)
        report = composed.periodic
        assert report is not None
        texts = section_texts(composed.blocks)

        assert report.ga4_problem is not None and report.ga4_problem.key == "ga4_access"
        assert [line.kpi.key for line in report.lines] == ["gsc:clicks"]
        assert report.lines[0].value == _gsc(world, "clicks", WEEK)
        assert PROBLEMS["ga4_access"] in texts
        assert not any("GA4 properties/" in text for text in texts)  # no GA4 numbers, so no GA4 source claimed


async def test_google_unavailable_fails_the_digest_so_that_it_is_tried_again(database: Database) -> None:
    async with make_world(database, dataset=PropertyDataset(days=LONG_HISTORY)) as world:
        world.google.fail_next("batchRunReports", status=503, times=10)
        with pytest.raises(ToolUserError):
            await _compose(world, DigestCadence.WEEKLY, local_day=FRIDAY)
