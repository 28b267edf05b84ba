"""Slack's published Block Kit and streaming-chunk limits, checked by the fake Slack as Slack checks them.

A request past a limit is refused (`invalid_blocks` for blocks, `invalid_arguments` for chunks) instead of being
accepted silently, so a test proves what Lookout sends would also be accepted by Slack. The numbers are Slack's
documented ones (Block Kit reference; chat.startStream / appendStream / stopStream; the task card block).
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_BLOCK_ID = 255
MAX_ACTION_ID = 255
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_ACTIONS_ELEMENTS = 5
MAX_TEXT = 3000  # a section's text, a context element's text
MAX_MARKDOWN_TOTAL = 12_000  # all `markdown` blocks of one message together; also `markdown_text`
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_TASK_FIELD = 256  # a task's details and output
TASK_STATUSES = frozenset({"pending", "in_progress", "complete", "error"})
DISPLAY_MODES = frozenset({"timeline", "plan"})


def blocks_error(blocks: object, *, modal: bool = False, extra_blocks: int = 0) -> str | None:
    """None when `blocks` (plus `extra_blocks` already in the message, e.g. task cards) is within Slack's limits."""
    if not isinstance(blocks, list):
        return "invalid_blocks_format"
    limit = MAX_MODAL_BLOCKS if modal else MAX_MESSAGE_BLOCKS
    if len(blocks) + extra_blocks > limit:
        return "invalid_blocks"
    seen_ids: set[str] = set()
    markdown_total = 0
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            return "invalid_blocks"
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or len(block_id) > MAX_BLOCK_ID or block_id in seen_ids:
                return "invalid_blocks"
            seen_ids.add(block_id)
        if block["type"] == "markdown":
            markdown_total += len(str(block.get("text", "")))
        elif _block_problem(block):
            return "invalid_blocks"
    return "invalid_blocks" if markdown_total > MAX_MARKDOWN_TOTAL else None


def _block_problem(block: dict[str, Any]) -> bool:
    kind = block["type"]
    elements = block.get("elements")
    if kind == "context":
        return (
            not isinstance(elements, list)
            or not 1 <= len(elements) <= MAX_CONTEXT_ELEMENTS
            or any(len(str(element.get("text", ""))) > MAX_TEXT for element in elements if isinstance(element, dict))
        )
    if kind == "actions":
        return (
            not isinstance(elements, list)
            or not 1 <= len(elements) <= MAX_ACTIONS_ELEMENTS
            or any(_element_problem(element) for element in elements)
        )
    if kind == "context_actions":
        return (
            not isinstance(elements, list)
            or not 1 <= len(elements) <= MAX_CONTEXT_ACTIONS_ELEMENTS
            or any(
                not isinstance(element, dict) or element.get("type") not in ("feedback_buttons", "icon_button")
                for element in elements
            )
            or any(_element_problem(element) for element in elements)
        )
    if kind == "section":
        text = block.get("text")
        return isinstance(text, dict) and len(str(text.get("text", ""))) > MAX_TEXT
    return False


def _element_problem(element: object) -> bool:
    if not isinstance(element, dict):
        return True
    if len(str(element.get("action_id", ""))) > MAX_ACTION_ID:
        return True
    if element.get("type") == "button":
        text = element.get("text")
        return (
            not isinstance(text, dict)
            or text.get("type") != "plain_text"
            or not 1 <= len(str(text.get("text", ""))) <= MAX_BUTTON_TEXT
            or len(str(element.get("value", ""))) > MAX_BUTTON_VALUE
            or len(str(element.get("url", ""))) > MAX_URL
        )
    if element.get("type") == "feedback_buttons":
        for side in ("positive_button", "negative_button"):
            button = element.get(side)
            if not isinstance(button, dict) or not isinstance(button.get("value"), str):
                return True
            text = button.get("text")
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                return True
            if not 1 <= len(str(text.get("text", ""))) <= MAX_BUTTON_TEXT or len(button["value"]) > MAX_BUTTON_VALUE:
                return True
    return False


def chunks_error(chunks: object) -> str | None:
    """None when `chunks` is a list of well-formed streaming chunks (markdown_text, task_update, plan_update,
    blocks)."""
    if not isinstance(chunks, list) or not chunks:
        return "invalid_arguments"
    for chunk in chunks:
        if not isinstance(chunk, dict):
            return "invalid_arguments"
        kind = chunk.get("type")
        if kind == "markdown_text":
            text = chunk.get("text")
            if not isinstance(text, str) or not text or len(text) > MAX_MARKDOWN_TOTAL:
                return "invalid_arguments"
        elif kind == "task_update":
            if _task_problem(chunk):
                return "invalid_arguments"
        elif kind == "plan_update":
            if not isinstance(chunk.get("title"), str) or not chunk["title"]:
                return "invalid_arguments"
        elif kind == "blocks":
            if blocks_error(chunk.get("blocks")) is not None:
                return "invalid_blocks"
        else:
            return "invalid_arguments"
    return None


def _task_problem(chunk: dict[str, Any]) -> bool:
    if not isinstance(chunk.get("id"), str) or not chunk["id"]:
        return True
    if not isinstance(chunk.get("title"), str) or not chunk["title"].strip():
        return True
    if chunk.get("status") not in TASK_STATUSES:
        return True
    for name in ("details", "output"):
        if name in chunk and (not isinstance(chunk[name], str) or len(chunk[name]) > MAX_TASK_FIELD):
            return True
    sources = chunk.get("sources", [])
    if not isinstance(sources, list):
        return True
    for source in sources:
        if not isinstance(source, dict) or source.get("type") != "url":
            return True
        url, text = source.get("url"), source.get("text")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > MAX_URL:
            return True
        if not isinstance(text, str) or not text:
            return True
    return False
