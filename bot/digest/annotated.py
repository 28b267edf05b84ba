"""What was annotated on the days a digest or an alert covers, as lines to show: GA4's annotations and Lookout notes
(`tools.annotations`). Also used by the alert check, which posts the way digests do.

Never fails the digest or alert it decorates: Google failing is already silent in `annotations_between`, and a
database hiccup is logged and leaves the lines out.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from bot.text import notes as messages
from tools.annotations import Annotation, annotations_between
from tools.context import ToolContext
from tools.google.admin import Ga4AdminApi
from tools.notes import NoteSource

log = logging.getLogger(__name__)

Block = dict[str, Any]
MAX_LINES = 3  # a digest is one screen on a phone; an alert says the likeliest few


def line(annotation: Annotation) -> str:
    return messages.annotation_line(
        start=annotation.start_date,
        end=annotation.end_date,
        title=annotation.title,
        source=annotation.source,
        expected=bool(annotation.expected),
        system=bool(annotation.system_generated),
    )


async def annotated_lines(
    *,
    start: date,
    end: date,
    admin: Ga4AdminApi | None,
    property_id: str | None,
    notes: NoteSource | None,
    ctx: ToolContext | None = None,
) -> list[str]:
    """Up to `MAX_LINES` lines: the notes and annotations that touch `start`..`end`, the shortest spans first (a
    release on the day says more than a month-long campaign around it)."""
    try:
        result = await annotations_between(
            start=start, end=end, admin=admin, property_id=property_id, notes=notes, ctx=ctx
        )
    except Exception:
        log.exception("could not read the annotations for %s..%s; left out", start, end)
        return []
    found = sorted(result.annotations, key=lambda a: ((a.end_date - a.start_date).days, a.start_date))
    return [line(annotation) for annotation in found[:MAX_LINES]]


async def context_lines(ctx: ToolContext, *, start: date, end: date) -> list[str]:
    """`annotated_lines` for `start`..`end` with what a tool context reads."""
    return await annotated_lines(
        start=start, end=end, admin=ctx.admin, property_id=ctx.property_id, notes=ctx.notes, ctx=ctx
    )


def with_annotations(blocks: list[Block], lines: list[str], *, limit: int) -> list[Block]:
    """`blocks` with the annotations' line before the closing context (the sources), within `limit` blocks."""
    if not lines:
        return blocks
    block: Block = {"type": "context", "elements": [{"type": "mrkdwn", "text": messages.digest_annotations(lines)}]}
    at = len(blocks) - 1 if blocks and blocks[-1].get("type") == "context" else len(blocks)
    return [*blocks[:at], block, *blocks[at:]][:limit]
