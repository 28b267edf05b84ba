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
# `json.dumps(block, sort_keys=True)` and `json.dumps(block, ensure_ascii=False)`, with their encoders built once:
# `json.dumps` builds a new one per call when given options, twice per block of every request.
_SORTED_JSON = json.JSONEncoder(sort_keys=True).encode
_PLAIN_JSON = json.JSONEncoder(ensure_ascii=False).encode


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
    _last: _Walked | None = None

    def usage(self, body: dict[str, Any]) -> CacheUsage:
        """Read, write and count one Messages request against the cache."""
        blocks = request_blocks(body)
        walked = self._walk(str(body.get("model", "")), [block for block, _ in blocks])
        digests, ends, tokens = walked.digests, walked.ends, walked.ends[-1] if walked.ends else 0
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

    def _walk(self, model: str, blocks: list[dict[str, Any]]) -> _Walked:
        """Each block's running digest and token count. The blocks a request shares with the one before (tools and
        system prompt, most of every request) are compared, not encoded and hashed again: that was a third of the
        fake model's CPU in `lookout bench agent`."""
        last, same = self._last, 0
        if last is not None and last.model == model:
            while same < min(len(blocks), len(last.blocks)) and blocks[same] == last.blocks[same]:
                same += 1
        walked = _Walked(model=model, blocks=blocks)
        if last is not None and same:
            walked.states, walked.digests, walked.ends = last.states[:same], last.digests[:same], last.ends[:same]
        running = walked.states[-1].copy() if same else hashlib.sha256(model.encode())
        for block in blocks[same:]:
            running.update(_SORTED_JSON(block).encode())
            walked.states.append(running.copy())
            walked.digests.append(running.hexdigest())
            walked.ends.append((walked.ends[-1] if walked.ends else 0) + self.count(_PLAIN_JSON(block)))
        self._last = walked
        return walked


@dataclass
class _Walked:
    """One request's blocks with the SHA-256 state, digest and running token count after each."""

    model: str
    blocks: list[dict[str, Any]]
    states: list[Any] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)


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
