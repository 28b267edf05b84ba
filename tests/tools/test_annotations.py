"""GA4's reporting data annotations through the real REST client and the fake, and the `annotations` tool merging
them with Lookout notes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from google.oauth2.credentials import Credentials

from tests.tools.conftest import PROPERTY_ID
from tools.annotations import annotations_between
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle
from tools.google import GoogleAccessDenied, GoogleRuntime
from tools.google.admin import Ga4AdminClient
from tools.sample.dataset import Annotation, PropertyDataset


@dataclass(frozen=True)
class StoredNote:
    id: int
    day: date
    text: str
    expected: bool


class Notes:
    def __init__(self, notes: Sequence[StoredNote]) -> None:
        self.notes = list(notes)
        self.asked: list[tuple[date, date]] = []

    async def notes_between(self, *, start: date, end: date) -> list[StoredNote]:
        self.asked.append((start, end))
        return [note for note in self.notes if start <= note.day <= end]


@pytest.fixture
def admin(google: FakeGoogle, runtime: GoogleRuntime, credentials: Credentials) -> Ga4AdminClient:
    return Ga4AdminClient(credentials=credentials, admin_api_url=google.url, runtime=runtime)


def annotate(dataset: PropertyDataset) -> None:
    today = dataset.today
    dataset.annotations.extend(
        [
            Annotation(start=today - timedelta(days=8), end=today - timedelta(days=8), title="Site release 3.1"),
            Annotation(
                start=today - timedelta(days=40),
                end=today - timedelta(days=30),
                title="Spring sale",
                description="All plans 20 % off",
                color="ORANGE",
            ),
            Annotation(start=today - 5 * timedelta(days=60), end=today - 5 * timedelta(days=60), title="Old"),
        ]
    )


async def test_the_client_reads_every_page_of_the_real_wire_format(
    admin: Ga4AdminClient, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    today = dataset.today
    dataset.annotations.extend(
        Annotation(start=today - timedelta(days=i), end=today - timedelta(days=i), title=f"note {i}")
        for i in range(450)
    )
    found = await admin.list_annotations(PROPERTY_ID)
    assert [a.title for a in found] == [f"note {i}" for i in range(450)]
    assert found[3].span() == (today - timedelta(days=3), today - timedelta(days=3))
    calls = google.calls("reportingDataAnnotations.list")
    assert len(calls) == 3  # 200 + 200 + 50
    assert all(call.method == "GET" and call.resource == f"properties/{PROPERTY_ID}" for call in calls)


async def test_ranges_and_refusals_come_through_typed(
    admin: Ga4AdminClient, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    annotate(dataset)
    sale = next(a for a in await admin.list_annotations(f"properties/{PROPERTY_ID}") if a.title == "Spring sale")
    assert sale.span() == (dataset.today - timedelta(days=40), dataset.today - timedelta(days=30))
    assert sale.color == "ORANGE" and sale.description == "All plans 20 % off" and not sale.system_generated
    with pytest.raises(GoogleAccessDenied):
        await admin.list_annotations("999")


async def test_a_range_gets_the_overlapping_annotations_and_the_notes_dated_in_it(
    admin: Ga4AdminClient, dataset: PropertyDataset
) -> None:
    annotate(dataset)
    today = dataset.today
    notes = Notes([StoredNote(id=4, day=today - timedelta(days=2), text="Newsletter sent", expected=True)])
    result = await annotations_between(
        start=today - timedelta(days=31), end=today, admin=admin, property_id=PROPERTY_ID, notes=notes
    )
    assert [(a.source, a.title) for a in result.annotations] == [
        ("ga4", "Spring sale"),  # ends inside the range
        ("ga4", "Site release 3.1"),
        ("lookout", "Newsletter sent"),
    ]
    assert result.annotations[-1].expected is True and result.annotations[-1].note_id == 4
    assert result.ga4_unavailable is None


async def test_google_failing_leaves_the_notes(
    admin: Ga4AdminClient, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    annotate(dataset)
    google.fail_next("reportingDataAnnotations.list", status=403)
    notes = Notes([StoredNote(id=1, day=dataset.today, text="Deploy", expected=False)])
    result = await annotations_between(
        start=dataset.today, end=dataset.today, admin=admin, property_id=PROPERTY_ID, notes=notes
    )
    assert result.ga4_unavailable is True
    assert [a.title for a in result.annotations] == ["Deploy"]


async def test_the_tool_resolves_relative_dates_and_caches_google(
    registry: ToolRegistry[ToolContext],
    make_context: Callable[..., ToolContext],
    admin: Ga4AdminClient,
    google: FakeGoogle,
    dataset: PropertyDataset,
) -> None:
    annotate(dataset)
    notes = Notes([])
    ctx = make_context(admin=admin, notes=notes)
    first = await registry.run("annotations", {"start_date": "10daysAgo", "end_date": "yesterday"}, ctx)
    assert not first.is_error, first.content
    assert '"Site release 3.1"' in first.content and "Spring sale" not in first.content
    assert notes.asked == [(dataset.today - timedelta(days=10), dataset.today - timedelta(days=1))]
    again = await registry.run("annotations", {}, ctx)  # the last 28 days by default
    assert "Spring sale" not in again.content and "Site release 3.1" in again.content
    assert len(google.calls("reportingDataAnnotations.list")) == 1


async def test_the_tool_explains_bad_dates_to_the_model(
    registry: ToolRegistry[ToolContext], make_context: Callable[..., ToolContext]
) -> None:
    ctx = make_context()
    backwards = await registry.run("annotations", {"start_date": "2026-11-10", "end_date": "2026-11-01"}, ctx)
    assert backwards.is_error and "after end_date" in backwards.content
    wrong = await registry.run("annotations", {"start_date": "last week"}, ctx)
    assert wrong.is_error and "is not a date" in wrong.content
    too_long = await registry.run("annotations", {"start_date": "2020-01-01", "end_date": "2026-11-01"}, ctx)
    assert too_long.is_error and "at most" in too_long.content


async def test_without_google_only_notes_are_listed(
    make_context: Callable[..., ToolContext], registry: ToolRegistry[ToolContext], dataset: PropertyDataset
) -> None:
    notes = Notes([StoredNote(id=2, day=dataset.today, text="Price change", expected=False)])
    ctx = make_context(ga4=None, gsc=None, property_id=None, notes=notes)
    outcome = await registry.run("annotations", {"start_date": "today"}, ctx)
    assert not outcome.is_error and "Price change" in outcome.content
