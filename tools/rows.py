"""Report rows sized for a model, shared by GA4 and Search Console tools.

Its own module so a Search Console read does not import the GA4 report path (and with it google-analytics-data,
gRPC and protobuf: ~60 MB and ~0.3 s of start-up) just for this function.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

Value = str | int | float


def trim_rows(rows: Iterable[dict[str, Value]], budget_chars: int) -> list[dict[str, Value]]:
    """As many leading rows as fit in `budget_chars` of JSON; reads `rows` only as far as that."""
    kept: list[dict[str, Value]] = []
    used = 0
    for row in rows:
        size = len(json.dumps(row, ensure_ascii=False)) + 2
        if kept and used + size > budget_chars:
            break
        kept.append(row)
        used += size
    return kept
