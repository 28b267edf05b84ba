"""The typed Search Console reads the digest and alerts use: complete days only, clicks by (date, query), and the
tools' error mapping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tools.base import ToolUserError
from tools.context import ToolContext
from tools.errors import ACCESS_DENIED
from tools.fakes.google import FakeGoogle
from tools.gsc_tools.series import gsc_clicks_by_query, gsc_daily
from tools.sample.dataset import PropertyDataset


def _clicks(dataset: PropertyDataset, day: object) -> float:
    cube = dataset.gsc()
    return float(cube.atoms["clicks"][cube.days.index(day)].sum())


async def test_all_data_stops_at_the_day_before_the_first_incomplete_one(
    context: ToolContext, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    end = dataset.today - timedelta(days=1)
    daily = await gsc_daily(context, start=end - timedelta(days=20), end=end, data_state="all")

    complete = dataset.gsc_first_incomplete_date - timedelta(days=1)
    assert daily.complete_day == complete
    assert max(daily.values["clicks"]) == complete
    assert set(daily.values) == {"clicks", "impressions", "ctr", "position"}
    assert daily.values["clicks"][complete] == _clicks(dataset, complete)
    (call,) = google.calls("searchAnalytics.query")
    assert call.body["dataState"] == "all"


async def test_final_data_ends_at_the_latest_day_with_data(context: ToolContext, dataset: PropertyDataset) -> None:
    end = dataset.today
    daily = await gsc_daily(context, start=end - timedelta(days=20), end=end, data_state="final")
    assert daily.complete_day is not None
    assert daily.complete_day == max(daily.values["clicks"])
    assert daily.complete_day < dataset.gsc_first_incomplete_date


async def test_clicks_by_query_sum_to_the_day_s_clicks(context: ToolContext, dataset: PropertyDataset) -> None:
    day = dataset.gsc_first_incomplete_date - timedelta(days=1)
    by_day = await gsc_clicks_by_query(context, start=day - timedelta(days=3), end=day)
    assert sorted(by_day) == [day - timedelta(days=n) for n in range(3, -1, -1)]
    assert sum(by_day[day].values()) == pytest.approx(_clicks(dataset, day))
    assert all(isinstance(query, str) and query for query in by_day[day])


async def test_access_denied_is_mapped_as_for_the_model_s_tools(context: ToolContext, google: FakeGoogle) -> None:
    google.fail_next("searchAnalytics.query", status=403)
    day = context.search_console_today() - timedelta(days=5)
    with pytest.raises(ToolUserError) as denied:
        await gsc_daily(context, start=day, end=day)
    assert denied.value.message_key == ACCESS_DENIED
