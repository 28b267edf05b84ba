"""What notes and annotations say: `/lookout note` and `notes`, the "Add as note" shortcut's modal, and the lines
that show GA4 annotations and Lookout notes in digests and alerts.

A note's text and an annotation's title are words people typed (anyone with edit access to the GA4 property, or
anyone who may ask Lookout): they go through `inert`, so they show as written and can neither ping nor link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.text.escape import escape, in_code, inert

Block = dict[str, Any]

NOTE_USAGE = "note YYYY-MM-DD [expected] text"
NOTE_SUMMARY = (
    "write down what happened on a day (a release, a sale) to explain alerts; `expected` keeps that day's alerts quiet"
)
NOTES_USAGE = "notes"
NOTES_SUMMARY = "list the latest notes, each with its id (`/lookout note remove ID` removes one)"
EXPECTED_WORD = "expected"
REMOVE_WORD = "remove"

SHORTCUT_ADD_NOTE = "lookout_add_note"  # the message shortcut "Add as note" (manifest.yml)
VIEW_ADD_NOTE = "lookout_add_note_form"
BLOCK_DAY, ACTION_DAY = "note_day", "day"
BLOCK_TEXT, ACTION_TEXT = "note_text", "text"
BLOCK_EXPECTED, ACTION_EXPECTED = "note_expected", "expected"
FORM_TITLE = "Add as note"
FORM_SUBMIT = "Save note"
FORM_CLOSE = "Cancel"
FORM_DAY = "Day"
FORM_TEXT = "Note"
FORM_TEXT_HINT = "What happened that day? e.g. Site release 3.1, newsletter sent, prices changed."
FORM_EXPECTED_LABEL = "Planned?"
FORM_EXPECTED = "Expected: don't alert about changes starting that day"
FORM_EXPECTED_HINT = "For planned changes: a sale, a migration, a campaign launch."
SAVED_TITLE = "Note saved"
DONE = "Done"


def day_text(day: date) -> str:
    return f"{day:%a} {day:%b} {day.day}, {day.year}"


def short_day(day: date) -> str:
    return f"{day:%b} {day.day}"


def span_text(start: date, end: date) -> str:
    if start == end:
        return short_day(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{short_day(start)}–{end.day}"
    return f"{short_day(start)} – {short_day(end)}"


# ----- /lookout note and notes ------------------------------------------------------------------------------------


def usage(*, problem: str) -> str:
    return f"{problem}\nUsage: `/lookout {NOTE_USAGE}`, `/lookout {NOTES_USAGE}` or `/lookout note remove ID`."


NEED_DATE = "Which day? Start with the date, e.g. `/lookout note 2026-11-12 Site release 3.1`."
NEED_TEXT = "What happened that day? Add a few words after the date, e.g. `/lookout note 2026-11-12 Site release 3.1`."
NEED_ID = "Which note? Give its number from `/lookout notes`, e.g. `/lookout note remove 12`."


def bad_date(*, value: str) -> str:
    return f"`{in_code(inert(value))}` isn't a date I understand. Use `YYYY-MM-DD`, e.g. `2026-11-12`."


def date_out_of_range(*, earliest: date, latest: date) -> str:
    return f"Notes can be dated from {day_text(earliest)} to {day_text(latest)}."


def too_long(*, limit: int) -> str:
    return f"That note is too long: keep it under {limit:,} characters."


def added(*, note_id: int, day: date, text: str, expected: bool) -> str:
    quiet = " Alerts about changes starting that day stay quiet (it's marked expected)." if expected else ""
    return (
        f":memo: Noted for *{day_text(day)}*: “{inert(text)}”.{quiet}\n"
        f"I'll mention it when alerts, digests and answers cover that day. "
        f"Remove it with `/lookout note remove {note_id}`."
    )


NO_NOTES = "No notes yet. Add one with `/lookout note YYYY-MM-DD text`, or the message shortcut *Add as note*."


def note_line(*, note_id: int, day: date, text: str, expected: bool, author_id: str) -> str:
    flag = " _(expected)_" if expected else ""
    return f"• `{note_id}` *{day_text(day)}* — {inert(text)}{flag} · <@{escape(author_id)}>"


def notes_list(lines: Sequence[str], *, more: bool) -> str:
    tail = "\n_Older notes are kept but not listed._" if more else ""
    return ":memo: *Notes* (latest day first; `/lookout note remove ID` removes one)\n" + "\n".join(lines) + tail


def removed(*, note_id: int, day: date) -> str:
    return f"Removed note `{note_id}` ({day_text(day)})."


def no_such_note(*, value: str) -> str:
    return f"There's no note `{in_code(inert(value))}` in this workspace. `/lookout notes` lists them."


def not_yours(*, note_id: int) -> str:
    return f"Note `{note_id}` was written by someone else: only they or a Lookout manager can remove it."


# ----- the "Add as note" shortcut ---------------------------------------------------------------------------------


def saved_view(*, day: date, text: str, expected: bool, note_id: int) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": SAVED_TITLE},
        "close": {"type": "plain_text", "text": DONE},
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": added(note_id=note_id, day=day, text=text, expected=expected)},
            }
        ],
    }


# ----- annotations in digests and alerts --------------------------------------------------------------------------

SOURCE_GA4 = "GA4 annotation"
SOURCE_GA4_SYSTEM = "added by Google Analytics"
SOURCE_NOTE = "Lookout note"


def annotation_line(
    *, start: date, end: date, title: str, source: str, expected: bool = False, system: bool = False
) -> str:
    if source == "ga4":
        origin = SOURCE_GA4_SYSTEM if system else SOURCE_GA4
    else:
        origin = f"{SOURCE_NOTE}, expected" if expected else SOURCE_NOTE
    return f"“{inert(title)}” _({origin}, {span_text(start, end)})_"


def digest_annotations(lines: Sequence[str]) -> str:
    """The digest's line about what was annotated on the day (or period) it reports."""
    return "📝 *Annotated* · " + " · ".join(lines)


def alert_annotations(lines: Sequence[str]) -> str:
    """Under an alert: what was annotated on the incident's first day, as a possible explanation."""
    if len(lines) == 1:
        return f"📝 Possibly related, annotated that day: {lines[0]}"
    return "📝 Possibly related, annotated that day:\n" + "\n".join(f"• {line}" for line in lines)
