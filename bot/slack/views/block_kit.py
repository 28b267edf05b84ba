"""The few Block Kit pieces App Home's settings sections and modals are built from."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def plain(text: str) -> dict[str, Any]:
    """Plain text cut to 75 characters, the most Slack takes for a button, a title or an option."""
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def button(text: str, *, action_id: str, value: str = "", style: str | None = None) -> Block:
    made: Block = {"type": "button", "text": plain(text), "action_id": action_id}
    if value:
        made["value"] = value
    if style:
        made["style"] = style
    return made


def option(text: str, value: str) -> Block:
    return {"text": plain(text), "value": value}
