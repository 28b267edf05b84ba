"""Digest and alert charts: the picture's title is the uploaded file's title, and the alert's unusual stretch is
shaded and named in the alt text."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.digest.charts import alert_chart_spec, digest_chart_spec
from bot.digest.compose import DigestComposer
from bot.google.sample import SampleGoogle
from storage.db import Database
from storage.tables.schedule import SubscriptionKind
from tests.bot.digest.world import make_world
from tools.anomaly.watch import Found
from tools.chart import render_chart
from tools.sample.dataset import PropertyDataset, TrackingBroken


async def test_the_digest_chart_is_titled_as_its_upload() -> None:
    now = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
    sample = SampleGoogle(clock=lambda: now)
    composer = DigestComposer(targets=sample, google=sample, clock=lambda: now)

    digest = await composer.compose(workspace_id=1, channel_id="C1", local_day=date(2026, 12, 6))

    assert digest is not None and digest.report is not None
    spec = digest_chart_spec(digest.report)
    assert spec is not None
    assert spec.title == digest.chart_title == "Sessions, last 28 days — Demo Store"
    assert render_chart(spec).x_range == "Nov 8 – Dec 5"


async def test_the_alert_chart_is_titled_as_its_upload_and_shades_the_incident(database: Database) -> None:
    dataset = PropertyDataset()
    dataset.inject(TrackingBroken(start=date(2026, 11, 19), end=date(2026, 11, 20)))
    charted: list[Found] = []

    async def chart(found: Found) -> bytes:
        charted.append(found)
        return b"\x89PNG alert chart"

    async with make_world(database, dataset=dataset) as world:
        subscription = await world.subscribe("C0ALERTS", kind=SubscriptionKind.ALERTS)
        await world.alert_service(chart=chart).check(subscription)

        (complete,) = world.slack.ok_calls_to("files.completeUploadExternal")
        (uploaded,) = complete.get("files")

    (found,) = charted
    spec = alert_chart_spec(found)
    assert spec is not None
    assert uploaded["title"] == spec.title == "Sessions per day, last 4 weeks (dashed: the week before)"
    image = render_chart(spec)
    assert image.alt_text.endswith("; shaded: Unusual on Nov 19")
    assert "A week before" in image.alt_text and "2026" not in image.alt_text
