"""JSON-schema plumbing shared by the provider modules: resolving `$ref`s that some APIs do not accept."""

from __future__ import annotations

import copy
from typing import Any


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` with every local `#/$defs/...` reference replaced by its definition.

    Pydantic emits `$defs` for nested models; Gemini's schema subset has no references at all. Recursive
    models cannot be inlined and are cut off at the second level as a plain object.
    """
    definitions: dict[str, Any] = schema.get("$defs", {})

    def resolve(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [resolve(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/$defs/"):
            name = reference.removeprefix("#/$defs/")
            if name in seen or name not in definitions:
                return {"type": "object"}
            merged = {**copy.deepcopy(definitions[name]), **{k: v for k, v in node.items() if k != "$ref"}}
            return resolve(merged, (*seen, name))
        return {key: resolve(value, seen) for key, value in node.items() if key != "$defs"}

    resolved: dict[str, Any] = resolve(schema, ())
    return resolved
