"""The digest names what was annotated (in GA4) or noted (in Lookout) on the day it reports, and only that day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.digest.blocks import section_texts
from bot.notes import manage
from storage.db import Database
from storage.tables.schedule import DigestCadence
from tests.bot.digest.world import make_world
from tools.sample.dataset import Annotation, PropertyDataset

POSTED_ON = date(2026, 11, 20)
REPORTED = date(2026, 11, 19)


def _contexts(blocks: list[dict[str, Any]]) -> list[str]:
    return [element["text"] for block in blocks if block["type"] == "context" for element in block["elements"]]


async def test_the_reported_days_annotations_and_notes_are_named(database: Database) -> None:
    dataset = PropertyDataset()
    dataset.annotations.extend(
        [
            Annotation(start=REPORTED, end=REPORTED, title="Site release 3.1"),
            Annotation(start=date(2026, 11, 1), end=date(2026, 11, 30), title="November sale", color="ORANGE"),
            Annotation(start=date(2026, 11, 12), end=date(2026, 11, 12), title="Another day"),
        ]
    )
    async with make_world(database, dataset=dataset) as world:
        await manage.add(
            database=database,
            workspace_id=world.workspace_id,
            note=manage.draft(day=REPORTED, text="Newsletter <@U0ALL> sent", expected=True),
            user_id="U0BOB",
            now=datetime(2026, 11, 19, 9, 0, tzinfo=UTC),
        )
        composed = await world.digest_service(annotations=True).compose(
            workspace_id=world.workspace_id, channel_id="C0GROWTH", local_day=POSTED_ON
        )
        assert composed is not None
        contexts = _contexts(composed.blocks)
        [annotated] = [text for text in contexts if "*Annotated*" in text]
        # the day's own first, the month-long sale after; never another day's
        assert annotated == (
            "📝 *Annotated* · “Site release 3.1” _(GA4 annotation, Nov 19)_"
            " · “Newsletter &lt;@U0ALL&gt; sent” _(Lookout note, expected, Nov 19)_"
            " · “November sale” _(GA4 annotation, Nov 1–30)_"
        )
        assert contexts[-1].endswith("`/lookout unsubscribe` to stop")  # the sources line stays last
        assert "Another day" not in "\n".join(section_texts(composed.blocks) + contexts)
        assert len(world.google.calls("reportingDataAnnotations.list")) == 1


async def test_a_day_without_annotations_adds_nothing(database: Database) -> None:
    async with make_world(database) as world:
        composed = await world.digest_service(annotations=True).compose(
            workspace_id=world.workspace_id, channel_id="C0GROWTH", local_day=POSTED_ON
        )
        assert composed is not None
        assert not any("Annotated" in text for text in _contexts(composed.blocks))


async def test_a_weekly_digest_names_what_was_annotated_in_its_week(database: Database) -> None:
    dataset = PropertyDataset()
    dataset.annotations.extend(
        [
            Annotation(start=date(2026, 11, 12), end=date(2026, 11, 12), title="Site release 3.1"),
            Annotation(start=date(2026, 11, 19), end=date(2026, 11, 19), title="Next week's release"),
        ]
    )
    async with make_world(database, dataset=dataset) as world:
        await manage.add(
            database=database,
            workspace_id=world.workspace_id,
            note=manage.draft(day=date(2026, 11, 10), text="Pricing test started", expected=False),
            user_id="U0BOB",
            now=datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
        )
        composed = await world.digest_service(annotations=True).compose(
            workspace_id=world.workspace_id,
            channel_id="C0GROWTH",
            local_day=POSTED_ON,  # a Friday: the week reported is Mon Nov 9 to Sun Nov 15
            cadence=DigestCadence.WEEKLY,
        )
        assert composed is not None
        [annotated] = [text for text in _contexts(composed.blocks) if "*Annotated*" in text]
        assert "“Pricing test started” _(Lookout note, Nov 10)_" in annotated
        assert "“Site release 3.1” _(GA4 annotation, Nov 12)_" in annotated
        assert "Next week" not in annotated
