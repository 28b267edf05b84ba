"""Annotations: what happened on a day, as people recorded it. GA4's own reporting data annotations (Admin API) and
Lookout notes (`/lookout note`, kept in Lookout's database because Lookout's Google access is read-only), merged.

The agent reads them through the `annotations` tool; the digest and the alert check through `annotations_between`,
which never fails because of GA4 (a day's explanation is a bonus, not the point of a digest or an alert).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from tools.base import Tool, ToolError
from tools.context import ToolContext
from tools.dates import parse_date
from tools.errors import google_errors
from tools.google.errors import GoogleApiError
from tools.notes import NoteLike, NoteSource

if TYPE_CHECKING:
    from tools.google.admin import Ga4AdminApi, ReportingDataAnnotation

log = logging.getLogger(__name__)

ANNOTATIONS_TTL = 600.0  # seconds: people add annotations rarely, and a digest, an alert and answers share them
MAX_DAYS = 400  # the longest range one call may ask for
MAX_RESULTS = 50  # most annotations put in one tool result (the closest to the range's end first)
MAX_TEXT = 300  # characters of a title or description kept for the model and for Slack


class Annotation(BaseModel):
    """One annotation or note, as the model and the digest and alert texts read it."""

    source: Literal["ga4", "lookout"] = Field(
        description="ga4: annotated in Google Analytics; lookout: a Lookout note."
    )
    start_date: date
    end_date: date
    title: str
    description: str | None = None
    expected: bool | None = Field(default=None, description="Lookout notes: the change that day was planned.")
    system_generated: bool | None = Field(default=None, description="GA4: added by Google, not by a person.")
    note_id: int | None = None

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class AnnotationsResult(BaseModel):
    start_date: date
    end_date: date
    annotations: list[Annotation]
    ga4_unavailable: bool | None = Field(
        default=None, description="GA4's annotations could not be read; only Lookout notes are listed."
    )
    more: int | None = Field(default=None, description="How many more were left out.")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def from_ga4(item: ReportingDataAnnotation) -> Annotation | None:
    span = item.span()
    if span is None:
        return None
    return Annotation(
        source="ga4",
        start_date=span[0],
        end_date=span[1],
        title=_clip(item.title),
        description=_clip(item.description) or None,
        system_generated=True if item.system_generated else None,
    )


def from_note(note: NoteLike) -> Annotation:
    return Annotation(
        source="lookout",
        start_date=note.day,
        end_date=note.day,
        title=_clip(note.text),
        expected=note.expected,
        note_id=note.id,
    )


async def ga4_annotations(*, admin: Ga4AdminApi, property_id: str, ctx: ToolContext | None = None) -> list[Annotation]:
    """Every annotation of the property (cached in `ctx`'s workspace slice when given); raises `GoogleApiError`."""

    async def fetch() -> list[Annotation]:
        found = [from_ga4(item) for item in await admin.list_annotations(property_id)]
        return [annotation for annotation in found if annotation is not None]

    if ctx is None:
        return await fetch()
    return await ctx.cache.get_or_fetch(f"ga4:annotations:{property_id}", fetch, ttl=ANNOTATIONS_TTL)


async def annotations_between(
    *,
    start: date,
    end: date,
    admin: Ga4AdminApi | None,
    property_id: str | None,
    notes: NoteSource | None,
    ctx: ToolContext | None = None,
) -> AnnotationsResult:
    """GA4 annotations overlapping `start`..`end` and the Lookout notes dated in it, by day. GA4 failing is logged
    and said (`ga4_unavailable`), never raised."""
    found: list[Annotation] = []
    unavailable: bool | None = None
    if admin is not None and property_id:
        try:
            every = await ga4_annotations(admin=admin, property_id=property_id, ctx=ctx)
            found.extend(a for a in every if a.start_date <= end and a.end_date >= start)
        except GoogleApiError as error:
            log.info("GA4 annotations unreadable for %s: %s", property_id, type(error).__name__)
            unavailable = True
    if notes is not None:
        found.extend(from_note(note) for note in await notes.notes_between(start=start, end=end))
    found.sort(key=lambda a: (a.start_date, a.end_date, a.source))
    return AnnotationsResult(start_date=start, end_date=end, annotations=found, ga4_unavailable=unavailable)


# ----- the tool ----------------------------------------------------------------------------------------------------


class AnnotationsInput(BaseModel):
    start_date: str = "28daysAgo"
    end_date: str = "today"


async def annotations_tool(args: AnnotationsInput, ctx: ToolContext) -> AnnotationsResult:
    today = ctx.property_today()
    start = parse_date(args.start_date, today=today, field="start_date")
    end = parse_date(args.end_date, today=today, field="end_date")
    if start > end:
        raise ToolError("start_date is after end_date.")
    if end - start > timedelta(days=MAX_DAYS):
        raise ToolError(f"Ask for at most {MAX_DAYS} days at once.")
    async with google_errors():
        result = await annotations_between(
            start=start, end=end, admin=ctx.admin, property_id=ctx.property_id, notes=ctx.notes, ctx=ctx
        )
    if len(result.annotations) > MAX_RESULTS:
        result.more = len(result.annotations) - MAX_RESULTS
        result.annotations = result.annotations[-MAX_RESULTS:]
    return result


ANNOTATIONS_TOOLS: list[Tool[AnnotationsInput, ToolContext]] = [
    Tool(
        name="annotations",
        description=(
            "Dated notes on the data: GA4 annotations and Lookout notes (releases, campaigns, outages; expected=true "
            "means planned). Check them when explaining a change."
        ),
        input_model=AnnotationsInput,
        run=annotations_tool,
    )
]
