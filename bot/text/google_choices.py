"""Every sentence about choosing the GA4 property and Search Console site: the menus, `/lookout property|site`
usage, refusals and confirmations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.text.escape import escape, in_code, in_emphasis, inert
from bot.text.google import (
    ACTION_PICK_PROPERTY,
    ACTION_PICK_SITE,
    MAX_PICKER_OPTIONS,
    PROPERTY_ID_HELP,
    SCOPE_BLOCK_PREFIX,
    Blocks,
)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:75], "emoji": True}


@dataclass(frozen=True, kw_only=True)
class PickerProperty:
    property_id: str
    display_name: str
    account_name: str


def picker(
    *,
    properties: list[PickerProperty],
    sites: list[str],
    channel_id: str = "",
    current_property: str | None = None,
    current_site: str | None = None,
) -> tuple[str, Blocks]:
    """Menus to choose the property and site; `channel_id` "" applies the choice to the whole workspace."""
    where = "this workspace" if not channel_id else f"<#{escape(channel_id)}>"
    text = f"Which GA4 property and Search Console site should I use for {where}?"
    blocks: Blocks = [_section(text)]
    elements: list[dict[str, Any]] = []
    if properties:
        groups: dict[str, list[dict[str, Any]]] = {}
        for prop in properties[:MAX_PICKER_OPTIONS]:
            option = {
                "text": _plain(f"{prop.display_name} ({prop.property_id})"),
                "value": prop.property_id,
            }
            groups.setdefault(prop.account_name or "Account", []).append(option)
        menu: dict[str, Any] = {
            "type": "static_select",
            "action_id": ACTION_PICK_PROPERTY,
            "placeholder": _plain("GA4 property"),
            "option_groups": [{"label": _plain(name), "options": options} for name, options in groups.items()],
        }
        initial = next(
            (o for options in groups.values() for o in options if current_property and o["value"] == current_property),
            None,
        )
        if initial is not None:
            menu["initial_option"] = initial
        elements.append(menu)
    if sites:
        options = [{"text": _plain(site), "value": site[:150]} for site in sites[:MAX_PICKER_OPTIONS]]
        menu = {
            "type": "static_select",
            "action_id": ACTION_PICK_SITE,
            "placeholder": _plain("Search Console site"),
            "options": options,
        }
        initial = next((o for o in options if current_site and o["value"] == current_site), None)
        if initial is not None:
            menu["initial_option"] = initial
        elements.append(menu)
    if elements:
        blocks.append({"type": "actions", "block_id": SCOPE_BLOCK_PREFIX + channel_id, "elements": elements})
    if len(properties) > MAX_PICKER_OPTIONS or len(sites) > MAX_PICKER_OPTIONS:
        blocks.append(_context("Not in the list? Use `/lookout property <id>` or `/lookout site <url>`."))
    return text, blocks


PROPERTY_USAGE = (
    "Usage: `/lookout property <GA4 property id> [here]` — the numeric ID from "
    f"{PROPERTY_ID_HELP}. Add `here` to use it only in this channel; `/lookout property reset here` removes the "
    "channel's own choice."
)
SITE_USAGE = (
    "Usage: `/lookout site <Search Console site> [here]` — e.g. `sc-domain:example.com` or "
    "`https://www.example.com/`. Add `here` to use it only in this channel."
)


def measurement_id_refused(value: str) -> str:
    return (
        f"`{in_code(inert(value))}` is a measurement ID. I need the numeric property ID: {PROPERTY_ID_HELP}. "
        "Then run `/lookout property 123456789`."
    )


def universal_analytics_refused(value: str) -> str:
    return (
        f"`{in_code(inert(value))}` is a Universal Analytics ID, and Universal Analytics no longer collects data. "
        f"I need the numeric ID of a GA4 property: {PROPERTY_ID_HELP}."
    )


def not_a_property_id(value: str) -> str:
    return f"`{in_code(inert(value))}` isn't a GA4 property ID. I need the numeric property ID: {PROPERTY_ID_HELP}."


def property_not_visible(property_id: str, *, email: str | None) -> str:
    account = f" ({escape(email)})" if email else ""
    return (
        f"The connected Google account{account} can't see GA4 property `{in_code(inert(property_id))}`. "
        "Check the number, or ask for access to that property in GA4 → Admin → Property access management."
    )


def site_not_visible(site: str, *, email: str | None, available: list[str]) -> str:
    account = f" ({escape(email)})" if email else ""
    # `site` is what the person typed (the sites Google lists are shown as they are: those are verified).
    text = f"The connected Google account{account} can't see the Search Console site `{in_code(inert(site))}`."
    if available:
        listed = ", ".join(f"`{in_code(escape(s))}`" for s in available[:10])
        text += f" It can see: {listed}."
    return text


def property_chosen(*, name: str | None, property_id: str, channel_id: str) -> str:
    label = (
        f"*{in_emphasis(inert(name))}* (`properties/{escape(property_id)}`)"
        if name
        else f"`properties/{escape(property_id)}`"
    )
    where = f"in <#{escape(channel_id)}>" if channel_id else "for this workspace"
    return f"Got it: I'll use GA4 property {label} {where}."


def site_chosen(*, site_url: str, channel_id: str) -> str:
    where = f"in <#{escape(channel_id)}>" if channel_id else "for this workspace"
    return f"Got it: I'll use Search Console site `{in_code(escape(site_url))}` {where}."


def channel_choice_reset(channel_id: str) -> str:
    return f"<#{escape(channel_id)}> now uses the workspace's property and site."
