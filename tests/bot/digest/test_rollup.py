"""Building a roll-up from GA4 (the fake, over the real SDK clients): one read per property with bounded
concurrency, each failure on its own line, the cap, chosen properties, and the whole digest failing only when
nothing but passing failures came back (so the scheduler retries it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from google.oauth2.credentials import Credentials

from bot.digest.rollup import (
    CONCURRENCY,
    Failure,
    Figure,
    RollupLine,
    RollupReport,
    RollupUnavailable,
    build_rollup,
    chosen_ids,
    to_read,
)
from bot.scheduler.periods import Period, previous_period, reported_period
from storage.tables.schedule import DigestCadence
from tools.cache import ResultCache
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle
from tools.google import Ga4Client, GoogleRuntime
from tools.sample.dataset import PropertyDataset
from tools.targets import PropertyRef

NOW = datetime(2026, 11, 20, 15, 0)
IDS = [str(100 + n) for n in range(9)]
LISTED = [PropertyRef(property_id=pid, name=f"Client {pid}") for pid in IDS]


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    async with FakeGoogle(latency=0.02) as server:
        for index, pid in enumerate(IDS):
            server.add_property(pid, PropertyDataset(seed=index, now=NOW, days=30))
        yield server


@pytest.fixture
def context(google: FakeGoogle) -> ToolContext:
    runtime = GoogleRuntime(retry_delays=(0.01,))
    ga4 = Ga4Client(credentials=Credentials(token="t"), data_api_url=google.url, runtime=runtime)
    return ToolContext.for_workspace(1, cache=ResultCache(), ga4=ga4, gsc=None, clock=lambda: NOW)


def report(*, cap: int = 25) -> RollupReport:
    period = reported_period(DigestCadence.WEEKLY, local_day=NOW.date())
    return RollupReport(
        cadence=DigestCadence.WEEKLY, period=period, previous=previous_period(DigestCadence.WEEKLY, period), cap=cap
    )


def week_sessions(dataset: PropertyDataset, period: Period) -> float:
    atoms = dataset.ga4().atoms["sessions"]
    return float(sum(int(atoms[dataset.day_index(day)].sum()) for day in period.dates()))


async def test_every_property_is_read_once_at_most_a_few_at_a_time_biggest_movers_first(
    google: FakeGoogle, context: ToolContext
) -> None:
    built = await build_rollup(report(), ctx=context, listed=LISTED, chosen=[])

    assert len(built.lines) == len(IDS) and built.failures == [] and built.more == 0
    assert sorted(call.resource for call in google.calls("runReport")) == [f"properties/{pid}" for pid in IDS]
    assert 1 < google.peak_total_concurrency() <= CONCURRENCY
    moves = [line.moved for line in built.lines]
    assert moves == sorted(moves, reverse=True)
    first = built.lines[0]
    dataset = google.properties[first.property_id]
    assert first.sessions.value == week_sessions(dataset, built.period)
    assert first.sessions.previous == week_sessions(dataset, built.previous)
    assert built.total("sessions").value == sum(line.sessions.value for line in built.lines)
    assert built.currency == "USD"


async def test_a_refused_property_and_a_spent_quota_each_get_their_own_line(
    google: FakeGoogle, context: ToolContext
) -> None:
    del google.properties["101"]  # the grant lost it: Google answers 403
    quota = google.quota("102")
    quota.consumed_hour = quota.tokens_per_hour  # 429 for this property alone

    built = await build_rollup(report(), ctx=context, listed=LISTED, chosen=[])

    failures = {failure.property_id: failure.failure for failure in built.failures}
    assert failures == {"101": Failure.ACCESS_REMOVED, "102": Failure.QUOTA}
    assert len(built.lines) == len(IDS) - 2


async def test_the_cap_leaves_the_rest_unread_and_counted(google: FakeGoogle, context: ToolContext) -> None:
    built = await build_rollup(report(cap=3), ctx=context, listed=LISTED, chosen=[])

    assert [line.property_id for line in sorted(built.lines, key=lambda line: line.property_id)] == IDS[:3]
    assert built.more == len(IDS) - 3
    assert {call.resource for call in google.calls("runReport")} == {f"properties/{pid}" for pid in IDS[:3]}


async def test_chosen_properties_in_order_and_one_the_grant_no_longer_lists(
    google: FakeGoogle, context: ToolContext
) -> None:
    chosen = chosen_ids("104, 999,104,100")

    built = await build_rollup(report(), ctx=context, listed=LISTED, chosen=chosen)

    assert chosen == ["104", "999", "100"]
    assert to_read(LISTED, chosen=chosen) == ([LISTED[4], LISTED[0]], ["999"])
    assert {line.property_id for line in built.lines} == {"104", "100"}
    assert [(f.property_id, f.failure) for f in built.failures] == [("999", Failure.NOT_LISTED)]


async def test_google_down_for_every_property_fails_the_whole_digest_to_be_retried(
    google: FakeGoogle, context: ToolContext
) -> None:
    google.fail_next("runReport", status=503, times=100)

    with pytest.raises(RollupUnavailable):
        await build_rollup(report(), ctx=context, listed=LISTED[:2], chosen=[])


def test_the_total_adds_revenue_only_in_one_currency() -> None:
    def line(pid: str, currency: str, revenue: float) -> RollupLine:
        figure = Figure(value=10, previous=5)
        return RollupLine(
            property_id=pid,
            name=pid,
            sessions=figure,
            key_events=figure,
            revenue=Figure(value=revenue, previous=0),
            currency=currency,
        )

    built = report()
    built.lines = [line("1", "USD", 5), line("2", "EUR", 0)]
    assert built.currency == "USD"  # a property without revenue does not count
    built.lines.append(line("3", "EUR", 7))
    assert built.currency is None
