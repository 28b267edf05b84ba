"""`/lookout note` and `/lookout notes`, and the "Add as note" message shortcut, through the real app with signed
requests and the fake Slack: who may add and remove, what is stored, what the person reads."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import select

from bot.fakes.slack_api import FakeSlack
from bot.text import notes as messages
from storage.tables.notes import Note
from tests.helpers.app_harness import RunningApp

MEMBER = "U0BOB"  # an ordinary member: may ask, may not change settings
GUEST = "U0GUEST"
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


async def _say(app: RunningApp, fake_slack: FakeSlack, text: str, *, user_id: str = MEMBER) -> str:
    before = len(fake_slack.responses)
    response = await app.command(text, user_id=user_id)
    assert response.status == 200
    posts = await fake_slack.wait_for_responses(before + 1)
    body: dict[str, Any] = posts[-1].body
    return str(body.get("text", ""))


async def _notes(app: RunningApp) -> list[Note]:
    async with app.services.database.session() as session:
        return list((await session.execute(select(Note).order_by(Note.id))).scalars().all())  # type: ignore[arg-type]


async def test_a_member_notes_a_day_lists_it_and_removes_it(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.services.clock = lambda: NOW
    said = await _say(slack_app, fake_slack, "note 2026-11-12 Site release 3.1 (new checkout)")
    [note] = await _notes(slack_app)
    assert (note.day, note.text, note.expected, note.created_by) == (
        date(2026, 11, 12),
        "Site release 3.1 (new checkout)",
        False,
        MEMBER,
    )
    assert "Thu Nov 12, 2026" in said and f"/lookout note remove {note.id}" in said
    assert "stay quiet" not in said

    listed = await _say(slack_app, fake_slack, "notes")
    assert f"`{note.id}` *Thu Nov 12, 2026* — Site release 3.1 (new checkout)" in listed

    removed = await _say(slack_app, fake_slack, f"note remove {note.id}")
    assert removed == messages.removed(note_id=note.id or 0, day=date(2026, 11, 12))
    assert await _notes(slack_app) == []
    assert await _say(slack_app, fake_slack, "notes") == messages.NO_NOTES


async def test_expected_marks_a_planned_change(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.services.clock = lambda: NOW
    said = await _say(slack_app, fake_slack, "note 2026-11-27 Expected Black Friday sale starts")
    [note] = await _notes(slack_app)
    assert note.expected and note.text == "Black Friday sale starts"
    assert "stay quiet" in said
    assert "_(expected)_" in await _say(slack_app, fake_slack, "notes")


async def test_typed_text_cannot_ping_or_link(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.services.clock = lambda: NOW
    said = await _say(slack_app, fake_slack, "note 2026-11-12 <!channel> see <https://evil.example|this> & more")
    listed = await _say(slack_app, fake_slack, "notes")
    for text in (said, listed):
        assert "<!channel>" not in text and "<https://" not in text
        assert "&lt;!channel&gt;" in text and "&amp; more" in text


async def test_unusable_input_is_explained_and_nothing_is_stored(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.services.clock = lambda: NOW
    assert messages.NEED_DATE in await _say(slack_app, fake_slack, "note")
    assert "isn't a date" in await _say(slack_app, fake_slack, "note 12/11/2026 release")
    assert "isn't a date" in await _say(slack_app, fake_slack, "note 2026-02-30 release")
    assert messages.NEED_TEXT in await _say(slack_app, fake_slack, "note 2026-11-12")
    assert messages.NEED_TEXT in await _say(slack_app, fake_slack, "note 2026-11-12 expected")
    assert "can be dated from" in await _say(slack_app, fake_slack, "note 2031-01-01 far away")
    assert "too long" in await _say(slack_app, fake_slack, "note 2026-11-12 " + "word " * 120)
    assert messages.NEED_ID in await _say(slack_app, fake_slack, "note remove")
    assert "no note `99`" in await _say(slack_app, fake_slack, "note remove 99")
    assert "no note `99999999999999999999`" in await _say(slack_app, fake_slack, "note remove 99999999999999999999")
    assert await _notes(slack_app) == []


async def test_only_the_author_or_a_manager_removes_a_note(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.services.clock = lambda: NOW
    await _say(slack_app, fake_slack, "note 2026-11-12 Site release", user_id=MEMBER)
    [note] = await _notes(slack_app)
    refused = await _say(slack_app, fake_slack, f"note remove {note.id}", user_id="U0CAROL")
    assert refused == messages.not_yours(note_id=note.id or 0)
    assert len(await _notes(slack_app)) == 1
    await _say(slack_app, fake_slack, f"note remove {note.id}", user_id="U0ALICE")  # a workspace admin
    assert await _notes(slack_app) == []


async def test_guests_may_not_add_notes(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    fake_slack.add_user(GUEST, name="Gus", is_restricted=True)
    said = await _say(slack_app, fake_slack, "note 2026-11-12 Site release", user_id=GUEST)
    assert "guest" in said.lower()
    assert await _notes(slack_app) == []


# ----- the message shortcut ----------------------------------------------------------------------------------------


def _form_values(*, day: str, text: str, expected: bool) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": "x"}, "value": "expected"}] if expected else []
    return {
        messages.BLOCK_DAY: {messages.ACTION_DAY: {"type": "datepicker", "selected_date": day}},
        messages.BLOCK_TEXT: {messages.ACTION_TEXT: {"type": "plain_text_input", "value": text}},
        messages.BLOCK_EXPECTED: {messages.ACTION_EXPECTED: {"type": "checkboxes", "selected_options": options}},
    }


async def test_add_as_note_opens_a_form_with_the_messages_day_and_words(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    slack_app.services.clock = lambda: NOW
    posted = datetime(2026, 11, 18, 23, 40, tzinfo=UTC)  # no property chosen: the day is UTC's
    response = await slack_app.sender.message_shortcut(
        callback_id=messages.SHORTCUT_ADD_NOTE,
        message_text="Deployed the new <https://acme.example/pricing|pricing page> :rocket:",
        message_ts=f"{posted.timestamp():.6f}",
        user_id=MEMBER,
    )
    assert response.status == 200
    [opened] = await slack_app.wait_for_calls("views.open")
    assert opened.ok
    view = opened.get("view")
    assert view["callback_id"] == messages.VIEW_ADD_NOTE
    blocks = {block["block_id"]: block for block in view["blocks"]}
    assert blocks[messages.BLOCK_DAY]["element"]["initial_date"] == "2026-11-18"
    assert blocks[messages.BLOCK_TEXT]["element"]["initial_value"].startswith("Deployed the new")
    assert json.loads(view["private_metadata"])["ts"] == f"{posted.timestamp():.6f}"

    values = _form_values(day="2026-11-18", text="Pricing page redesign", expected=True)
    saved = await slack_app.sender.view_submission(
        callback_id=messages.VIEW_ADD_NOTE, values=values, user_id=MEMBER, private_metadata=view["private_metadata"]
    )
    answer = saved.json()
    assert answer["response_action"] == "update" and "Nov 18, 2026" in json.dumps(answer["view"])
    [note] = await _notes(slack_app)
    assert (note.day, note.text, note.expected, note.created_by) == (
        date(2026, 11, 18),
        "Pricing page redesign",
        True,
        MEMBER,
    )
    assert note.source_channel_id == "C0GROWTH" and note.source_ts == f"{posted.timestamp():.6f}"


async def test_the_form_points_at_what_to_fix(slack_app: RunningApp) -> None:
    slack_app.services.clock = lambda: NOW
    empty = await slack_app.sender.view_submission(
        callback_id=messages.VIEW_ADD_NOTE, values=_form_values(day="2026-11-18", text="  ", expected=False)
    )
    assert empty.json() == {"response_action": "errors", "errors": {messages.BLOCK_TEXT: messages.NEED_TEXT}}
    far = await slack_app.sender.view_submission(
        callback_id=messages.VIEW_ADD_NOTE, values=_form_values(day="2035-01-01", text="Launch", expected=False)
    )
    assert list(far.json()["errors"]) == [messages.BLOCK_DAY]
    assert await _notes(slack_app) == []


async def test_a_guest_choosing_the_shortcut_is_told_why_not(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    fake_slack.add_user(GUEST, name="Gus", is_restricted=True)
    await slack_app.sender.message_shortcut(
        callback_id=messages.SHORTCUT_ADD_NOTE,
        message_text="hello",
        message_ts="1763500000.000100",
        user_id=GUEST,
        response_url=fake_slack.response_url_for("shortcut"),
    )
    [told] = await fake_slack.wait_for_responses(1, key="shortcut")
    assert "guest" in str(told.body.get("text", "")).lower()
    assert fake_slack.calls_to("views.open") == []
    submitted = await slack_app.sender.view_submission(
        callback_id=messages.VIEW_ADD_NOTE,
        values=_form_values(day="2026-11-18", text="x", expected=False),
        user_id=GUEST,
    )
    assert submitted.json()["response_action"] == "update"  # the middleware's refusal, not a saved note
    assert await _notes(slack_app) == []
