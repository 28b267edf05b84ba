"""Anthropic's prompt cache as its documentation describes it, so the fake can report cache usage truthfully.

The rules followed (Anthropic, "Prompt caching"): the prefix runs tools → system → messages, block by block; a
`cache_control` block is a breakpoint, and a request writes the prefix up to each breakpoint into the cache; a
later request reads the longest cached prefix that ends at one of its breakpoints or at one of the 20 block
boundaries before each breakpoint; a prefix shorter than the model's minimum is neither written nor read. Usage then
says `cache_read_input_tokens` (read), `cache_creation_input_tokens` (written now) and `input_tokens` (the rest,
after the last breakpoint). Entries never expire here: a test or a benchmark runs well inside the 5-minute TTL.

Token counts are an estimate (`count`, by default four characters a token) — the split between read, written and
fresh is what matters, and it depends only on where the bot puts its breakpoints and what it keeps stable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LOOKBACK_BLOCKS = 20
# The smallest cacheable prefix per model family (Claude Haiku 4.5: 4,096 tokens; Sonnet 4.x and later: 1,024).
DEFAULT_MIN_TOKENS = 1024


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


@dataclass(frozen=True)
class CacheUsage:
    read: int
    written: int
    fresh: int

    @property
    def total(self) -> int:
        return self.read + self.written + self.fresh


@dataclass
class PromptCache:
    """The cached prefixes of one fake server (one organisation's cache), by model."""

    min_tokens: int = DEFAULT_MIN_TOKENS
    count: Callable[[str], int] = estimate_tokens
    _entries: set[str] = field(default_factory=set)

    def usage(self, body: dict[str, Any]) -> CacheUsage:
        """Read, write and count one Messages request against the cache."""
        blocks = request_blocks(body)
        model = str(body.get("model", ""))
        digests, ends = [], []
        running, tokens = hashlib.sha256(model.encode()), 0
        for block, _ in blocks:
            running.update(json.dumps(block, sort_keys=True).encode())
            digests.append(running.copy().hexdigest())
            tokens += self.count(json.dumps(block, ensure_ascii=False))
            ends.append(tokens)
        breakpoints = [index for index, (_, marked) in enumerate(blocks) if marked]
        read = 0
        for point in breakpoints:
            for index in range(point, max(point - LOOKBACK_BLOCKS, -1), -1):
                if digests[index] in self._entries:
                    read = max(read, ends[index])
                    break
        written = 0
        for point in breakpoints:
            if ends[point] >= self.min_tokens and digests[point] not in self._entries:
                self._entries.add(digests[point])
                written = max(written, ends[point] - read)
        return CacheUsage(read=read, written=written, fresh=tokens - read - written)


def request_blocks(body: dict[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    """Every block of the request in cache order, without its `cache_control`, and whether it carried one."""
    blocks: list[tuple[dict[str, Any], bool]] = []

    def add(block: dict[str, Any]) -> None:
        blocks.append(({k: v for k, v in block.items() if k != "cache_control"}, "cache_control" in block))

    for tool in body.get("tools") or []:
        add(tool)
    system = body.get("system")
    if isinstance(system, str) and system:
        add({"type": "text", "text": system})
    elif isinstance(system, list):
        for block in system:
            add(block)
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            add({"role": message.get("role"), "type": "text", "text": content})
        else:
            for block in content or []:
                add({"role": message.get("role"), **block})
    return blocks
