"""What the app asks Slack for: bot scopes, event subscriptions, the slash command, shortcuts. manifest.yml must
match."""

from __future__ import annotations

from bot.text import notes as note_messages

COMMAND = "/lookout"
# Message shortcuts (callback_id, name): "Add as note" saves a message as a Lookout note (`bot.slack.actions.notes`).
MESSAGE_SHORTCUTS: tuple[tuple[str, str], ...] = ((note_messages.SHORTCUT_ADD_NOTE, note_messages.FORM_TITLE),)

# Least privilege: each scope is here because a Web API method or event below needs it.
BOT_SCOPES: tuple[str, ...] = (
    "app_mentions:read",  # app_mention
    "assistant:write",  # agent view: assistant.threads.setStatus / setSuggestedPrompts / setTitle
    "channels:history",  # conversations.replies / history: find our own post after an ambiguous 5xx, never twice
    "channels:read",  # conversations.info / members for digest and alert channels
    "chat:write",  # chat.postMessage / update / delete / postEphemeral / startStream / appendStream / stopStream
    "commands",  # /lookout
    "files:write",  # files.getUploadURLExternal / completeUploadExternal (charts)
    "groups:history",  # the same in private channels
    "groups:read",  # conversations.info / members for private channels
    "im:history",  # message.im
    "im:read",  # conversations.info on DMs
    "im:write",  # a DM to the person who connected Google when access breaks
    "mpim:history",  # the same in group DMs
    "reactions:write",  # reactions.add (👀 while working)
    "usergroups:read",  # usergroups.list / usergroups.users.list (a user group named as Lookout managers)
    "users:read",  # users.info (time zones for digests; admin, owner and guest flags for the role check)
)

BOT_EVENTS: tuple[str, ...] = (
    "app_mention",
    "message.im",
    "app_home_opened",
    "app_uninstalled",
    "tokens_revoked",
    "assistant_thread_started",
)
