"""The typed GA4 reads the digest and alerts use: the dataset's numbers, one batchRunReports for several reads and
no getMetadata call, and the tools' own checks and error mapping."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tools.base import ToolError, ToolUserError
from tools.context import ToolContext
from tools.errors import ACCESS_DENIED
from tools.fakes.google import FakeGoogle
from tools.ga4_report.series import Breakdown, DailySeries, HourlySeries, NamedRange, Only, read_reports
from tools.sample.dataset import PropertyDataset

DAY = date(2026, 11, 17)  # complete in the dataset, whose "today" is Nov 20


def _total(dataset: PropertyDataset, metric: str, day: date) -> float:
    return float(dataset.ga4().atoms[metric][dataset.day_index(day)].sum())


async def test_several_reads_go_out_in_one_batch_without_a_metadata_call(
    context: ToolContext, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    daily = DailySeries(metrics=("sessions", "keyEvents"), start=DAY - timedelta(days=13), end=DAY)
    hourly = HourlySeries(metrics=("sessions",), start=DAY, end=DAY)
    daily_report, hourly_report = await read_reports(context, [daily, hourly])

    assert [call.route for call in google.calls()] == ["batchRunReports"]
    series = daily.read(daily_report)
    assert sorted(series["sessions"]) == [DAY - timedelta(days=n) for n in range(13, -1, -1)]
    for day in (DAY, DAY - timedelta(days=9)):
        assert series["sessions"][day] == _total(dataset, "sessions", day)
        assert series["keyEvents"][day] == _total(dataset, "keyEvents", day)
    hours = hourly.read(hourly_report)["sessions"]
    assert {stamp.date() for stamp in hours} == {DAY}
    assert sum(hours.values()) == _total(dataset, "sessions", DAY)


async def test_a_single_read_is_one_run_report(context: ToolContext, google: FakeGoogle) -> None:
    await read_reports(context, [DailySeries(metrics=("sessions",), start=DAY, end=DAY)])
    assert [call.route for call in google.calls()] == ["runReport"]


async def test_a_breakdown_splits_each_named_range(context: ToolContext, dataset: PropertyDataset) -> None:
    week_before = DAY - timedelta(days=7)
    ranges = (NamedRange(name="day", start=DAY, end=DAY), NamedRange(name="before", start=week_before, end=week_before))
    channels = Breakdown(dimension="sessionDefaultChannelGroup", metric="sessions", ranges=ranges, limit=100)
    pages = Breakdown(dimension="landingPage", metric="sessions", ranges=ranges[:1], limit=3, top=True)
    channel_report, page_report = await read_reports(context, [channels, pages])

    by_channel = channels.read(channel_report)
    assert set(by_channel) == {"day", "before"}
    assert sum(by_channel["day"].values()) == _total(dataset, "sessions", DAY)
    assert sum(by_channel["before"].values()) == _total(dataset, "sessions", week_before)
    assert by_channel["day"] != by_channel["before"]
    top = list(page_report.rows)
    assert len(top) == 3
    values = [float(row["sessions"]) for row in top]
    assert values == sorted(values, reverse=True)
    assert pages.read(page_report)["day"] == {str(row["landingPage"]): float(row["sessions"]) for row in top}


async def test_a_field_outside_the_standard_ones_is_checked_against_the_property_before_any_report(
    context: ToolContext, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    with pytest.raises(ToolError, match="Unknown metric"):
        await read_reports(context, [DailySeries(metrics=("sessionz",), start=DAY, end=DAY)])
    assert [call.route for call in google.calls()] == ["getMetadata"]

    views = DailySeries(metrics=("screenPageViews",), start=DAY, end=DAY)
    (report,) = await read_reports(context, [views])

    assert views.read(report)["screenPageViews"][DAY] == _total(dataset, "screenPageViews", DAY)
    assert [call.route for call in google.calls()] == ["getMetadata", "runReport"]  # the metadata, cached


async def test_only_one_dimension_value_is_read_and_needs_no_metadata(
    context: ToolContext, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    organic = Only(dimension="sessionDefaultChannelGroup", value="Organic Search")
    daily = DailySeries(metrics=("sessions",), start=DAY, end=DAY, only=organic)
    hourly = HourlySeries(metrics=("sessions",), start=DAY, end=DAY, only=organic)

    daily_report, hourly_report = await read_reports(context, [daily, hourly])

    organic_day = daily.read(daily_report)["sessions"][DAY]
    assert 0 < organic_day < _total(dataset, "sessions", DAY)
    assert sum(hourly.read(hourly_report)["sessions"].values()) == organic_day
    [call] = google.calls()
    assert call.route == "batchRunReports"
    assert call.body["requests"][0]["dimensionFilter"]["filter"]["fieldName"] == "sessionDefaultChannelGroup"


async def test_google_errors_are_mapped_as_for_the_model_s_tools(context: ToolContext, google: FakeGoogle) -> None:
    reads = [
        DailySeries(metrics=("sessions",), start=DAY, end=DAY),
        HourlySeries(metrics=("sessions",), start=DAY, end=DAY),
    ]
    google.fail_next("batchRunReports", status=403)
    with pytest.raises(ToolUserError) as denied:
        await read_reports(context, reads)
    assert denied.value.message_key == ACCESS_DENIED
    google.fail_next("batchRunReports", status=400, message="Field dateHour is not valid.")
    with pytest.raises(ToolError, match="Google rejected the request"):
        await read_reports(context, reads)
