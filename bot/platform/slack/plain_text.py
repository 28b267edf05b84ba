"""Block Kit as a terminal shows it: what a Slack message reads like, without Slack.

For `lookout demo`: sections and context lines become lines of text, buttons become `[Label]`, mrkdwn markers and
Slack's entities are undone, and the emoji codes Lookout posts become the emoji Slack would draw.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

Block = Mapping[str, Any]

# The emoji codes Lookout's messages use; any other code is left as typed.
EMOJI = {
    "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉",
    "mag": "🔎",
    "warning": "⚠️",
    "red_circle": "🔴",
    "large_orange_circle": "🟠",
    "white_check_mark": "✅",
    "ok_hand": "👌",
    "no_bell": "🔕",
    "bar_chart": "📊",
}
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>")
_BARE = re.compile(r"<(?:[@#!]?)([^<>|]+)>")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")


def mrkdwn_to_text(text: str) -> str:
    """One mrkdwn string as plain text."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE.sub(lambda m: m.group(1), text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    return html.unescape(text)


def _text_of(element: Mapping[str, Any]) -> str:
    value = element.get("text")
    if isinstance(value, Mapping):
        return _text_of(value)
    if not isinstance(value, str):
        return ""
    return mrkdwn_to_text(value) if element.get("type") == "mrkdwn" else html.unescape(value)


def blocks_to_text(blocks: Sequence[Block]) -> str:
    """The message's blocks as lines of text, one blank line between blocks."""
    parts: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            lines = [_text_of(block)] if "text" in block else []
            lines += [_text_of(field) for field in block.get("fields", [])]
            parts.append("\n".join(line for line in lines if line))
        elif kind == "context":
            parts.append("  ".join(_text_of(element) for element in block.get("elements", []) if "text" in element))
        elif kind == "actions":
            parts.append(" ".join(f"[{_text_of(element)}]" for element in block.get("elements", [])))
        elif kind == "divider":
            parts.append("─" * 40)
        elif kind == "image":
            parts.append(f"[image: {block.get('alt_text', '')}]")
    return "\n\n".join(part for part in parts if part)
