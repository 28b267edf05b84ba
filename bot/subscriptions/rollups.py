"""Choosing a roll-up digest's properties (`/lookout digest #c weekly rollup properties=…` and App Home's modal):
what a person typed, resolved against what the workspace's Google connection lists, and stored as property ids.

Names are matched as the tools match them (an id, `properties/ID`, an exact name, or the one name containing the
words), so a person types `acme` or `123456789`; anything the connection does not list is refused with the choices,
never stored to fail every week.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.google.connection import google_connections
from bot.google.problems import GoogleProblem, GoogleUnavailable, NoPropertyChosen
from bot.google.readable import GrantProperties
from bot.google.target import GoogleTarget
from bot.text import rollups as words
from tools.targets import MAX_CHOICES_NAMED, PropertyRef

if TYPE_CHECKING:
    from bot.platform.services import Services


class RollupProblem(Exception):
    """The properties typed cannot be used; the message is ready to show (already escaped)."""


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def match_property(typed: str, listed: Sequence[PropertyRef]) -> PropertyRef:
    """The one listed property `typed` names; `RollupProblem` naming the choices otherwise."""
    asked = typed.strip().removeprefix("properties/")
    for ref in listed:
        if ref.property_id == asked:
            return ref
    wanted = _norm(asked.replace("_", " "))
    exact = [ref for ref in listed if _norm(ref.name) == wanted]
    found = exact or [ref for ref in listed if wanted and wanted in _norm(ref.name)]
    if len(found) == 1:
        return found[0]
    if found:
        raise RollupProblem(words.ambiguous_property(value=typed, matches=[ref.label for ref in found]))
    shown = [ref.label for ref in listed[:MAX_CHOICES_NAMED]]
    raise RollupProblem(
        words.unknown_property(value=typed, choices=shown, more=max(0, len(listed) - MAX_CHOICES_NAMED))
    )


async def resolve_properties(
    *, services: Services, workspace_id: int, channel_id: str, typed: Sequence[str]
) -> list[PropertyRef]:
    """The properties typed, in order and once each; [] when none were typed (the roll-up reads every one)."""
    if not typed:
        return []
    connections = google_connections(services)
    try:
        target = await connections.resolve_target(workspace_id=workspace_id, channel_id=channel_id)
    except NoPropertyChosen:
        target = GoogleTarget(
            workspace_id=workspace_id, property_id=None, property_name=None, site_url=None, timezone=None, currency=None
        )
    except GoogleProblem:
        raise RollupProblem(words.NEED_CONNECTION) from None
    try:
        listed = list(await GrantProperties(services).properties_for(target=target))
    except GoogleUnavailable:
        raise RollupProblem(words.LIST_UNAVAILABLE) from None
    except GoogleProblem:
        raise RollupProblem(words.NEED_CONNECTION) from None
    found: dict[str, PropertyRef] = {}
    for word in typed:
        ref = match_property(word, listed)
        found.setdefault(ref.property_id, ref)
    return list(found.values())


def stored(refs: Sequence[PropertyRef]) -> str:
    """The subscription column's form: ids, comma-separated."""
    return ",".join(ref.property_id for ref in refs)
