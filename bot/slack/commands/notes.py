"""`/lookout note YYYY-MM-DD [expected] text`, `/lookout note remove ID` and `/lookout notes`: Lookout notes.

Anyone who may ask Lookout questions may add notes and list them; a note is removed by its author or a manager.
"""

from __future__ import annotations

from bot.access import gate
from bot.access.policy import Capability
from bot.notes import manage
from bot.notes.manage import NoteProblem
from bot.slack.commands.base import CommandRequest, Subcommand
from bot.text import notes as messages


async def run_note(request: CommandRequest) -> None:
    if request.args and request.args[0].lower() == messages.REMOVE_WORD:
        await _remove(request, request.args[1:])
        return
    services = request.services
    try:
        note = manage.parse_note(request.args, today=services.clock().date())
    except NoteProblem as problem:
        await request.respond(messages.usage(problem=str(problem)))
        return
    stored = await manage.add(
        database=services.database,
        workspace_id=request.workspace_id,
        note=note,
        user_id=request.user_id,
        now=services.clock(),
    )
    assert stored.id is not None
    await request.respond(messages.added(note_id=stored.id, day=note.day, text=note.text, expected=note.expected))


async def _remove(request: CommandRequest, words: list[str]) -> None:
    if len(words) != 1:
        await request.respond(messages.usage(problem=messages.NEED_ID))
        return
    database = request.services.database
    word = words[0].removeprefix("#")
    note = (
        await manage.find(database=database, workspace_id=request.workspace_id, note_id=int(word))
        if word.isdigit() and len(word) <= 9
        else None
    )
    if note is None or note.id is None:
        await request.respond(messages.no_such_note(value=words[0]))
        return
    if note.created_by != request.user_id:
        refusal = await gate.check(
            services=request.services,
            workspace=request.workspace,
            user_id=request.user_id,
            capability=Capability.SETTINGS,
            client=request.client,
        )
        if refusal is not None:
            await request.respond(messages.not_yours(note_id=note.id))
            return
    await manage.remove(database=database, workspace_id=request.workspace_id, note_id=note.id)
    await request.respond(messages.removed(note_id=note.id, day=note.day))


async def run_notes(request: CommandRequest) -> None:
    found = await manage.recent(
        database=request.services.database, workspace_id=request.workspace_id, limit=manage.LIST_LIMIT + 1
    )
    if not found:
        await request.respond(messages.NO_NOTES)
        return
    lines = [
        messages.note_line(
            note_id=note.id or 0, day=note.day, text=note.text, expected=note.expected, author_id=note.created_by
        )
        for note in found[: manage.LIST_LIMIT]
    ]
    await request.respond(messages.notes_list(lines, more=len(found) > manage.LIST_LIMIT))


SUBCOMMANDS = [
    Subcommand(
        name="note",
        usage=messages.NOTE_USAGE,
        summary=messages.NOTE_SUMMARY,
        run=run_note,
        needs=Capability.ASK,
    ),
    Subcommand(
        name="notes",
        usage=messages.NOTES_USAGE,
        summary=messages.NOTES_SUMMARY,
        run=run_notes,
        needs=Capability.ASK,
    ),
]
