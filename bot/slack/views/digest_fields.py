"""The digest modal's cadence fields: how often (daily, weekly, monthly), the weekday of a weekly digest and the KPIs
of a weekly or monthly one; and reading them back from a submission.

Slack modals cannot show a field only for one choice without a round trip, so the weekday and the KPIs are always
there, optional, and their hints say when they apply (`/lookout digest` takes the same choices as words).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.digest.kpis import CHOICES, chosen, key_event, kpi_for, stored
from bot.slack.views.block_kit import Block, option, plain
from bot.text import rollups as rollup_words
from bot.text import subscriptions as messages
from storage.tables.schedule import DigestCadence

# Key events offered by name in the modal (any other is typed: `/lookout digest … kpis=keyEvents:NAME`).
OFFERED_KEY_EVENTS = ("purchase", "sign_up", "generate_lead", "begin_checkout", "add_to_cart")


@dataclass(frozen=True, kw_only=True)
class CadenceChoice:
    cadence: DigestCadence
    weekday: int
    kpis: str  # stored form; "" = the default set
    rollup: bool = False
    properties: tuple[str, ...] = ()  # a roll-up's properties as typed (resolved when saving); () = all listed


def rollup_inputs(*, rollup: bool, properties: str) -> list[Block]:
    """The roll-up checkbox and its properties (`/lookout digest … rollup properties=…` as fields)."""
    box = {"text": plain(rollup_words.ROLLUP_OPTION), "value": rollup_words.ROLLUP_VALUE}
    box["description"] = plain(rollup_words.ROLLUP_OPTION_HINT)
    checkboxes: Block = {"type": "checkboxes", "action_id": messages.ELEMENT, "options": [box]}
    if rollup:
        checkboxes["initial_options"] = [box]
    typed: Block = {"type": "plain_text_input", "action_id": messages.ELEMENT, "max_length": 500}
    if properties:
        typed["initial_value"] = ", ".join(properties.split(","))
    return [
        {
            "type": "input",
            "block_id": rollup_words.BLOCK_ROLLUP,
            "optional": True,
            "label": plain(rollup_words.ROLLUP_LABEL),
            "element": checkboxes,
        },
        {
            "type": "input",
            "block_id": rollup_words.BLOCK_PROPERTIES,
            "optional": True,
            "label": plain(rollup_words.PROPERTIES_LABEL),
            "hint": plain(rollup_words.PROPERTIES_HINT),
            "element": typed,
        },
    ]


def read_rollup(values: dict[str, Any]) -> tuple[bool, tuple[str, ...]]:
    """Whether the roll-up box is ticked, and the properties typed (only read for a roll-up)."""
    ticked = _element(values, rollup_words.BLOCK_ROLLUP).get("selected_options") or []
    rollup = any(str(o.get("value", "")) == rollup_words.ROLLUP_VALUE for o in ticked if isinstance(o, dict))
    if not rollup:
        return False, ()
    text = str(_element(values, rollup_words.BLOCK_PROPERTIES).get("value") or "")
    return True, tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def _kpi_options(kpis: str) -> list[Block]:
    """Every KPI a channel may choose, plus the key events the subscription already has (so an Edit keeps them)."""
    keys = list(CHOICES) + [key_event(name).key for name in OFFERED_KEY_EVENTS]
    keys += [kpi.key for kpi in chosen(kpis) if kpi.key not in keys]
    return [option(kpi.label, kpi.key) for key in keys if (kpi := kpi_for(key)) is not None]


def cadence_inputs(*, cadence: str, weekday: int, kpis: str) -> list[Block]:
    """The three inputs, showing what a subscription has saved (a new one: daily, Monday, the default KPIs)."""
    cadences = [option(label, value) for value, label in messages.CADENCE_OPTIONS]
    weekdays = [option(name, str(index)) for index, name in enumerate(messages.WEEKDAY_NAMES)]
    kpi_options = _kpi_options(kpis)
    by_key = {o["value"]: o for o in kpi_options}
    return [
        {
            "type": "input",
            "block_id": messages.BLOCK_CADENCE,
            "label": plain(messages.CADENCE_LABEL),
            "element": {
                "type": "static_select",
                "action_id": messages.ELEMENT,
                "options": cadences,
                "initial_option": next((o for o in cadences if o["value"] == cadence), cadences[0]),
            },
        },
        {
            "type": "input",
            "block_id": messages.BLOCK_WEEKDAY,
            "optional": True,
            "label": plain(messages.WEEKDAY_LABEL),
            "hint": plain(messages.WEEKDAY_HINT),
            "element": {
                "type": "static_select",
                "action_id": messages.ELEMENT,
                "options": weekdays,
                "initial_option": weekdays[weekday % 7],
            },
        },
        {
            "type": "input",
            "block_id": messages.BLOCK_KPIS,
            "optional": True,
            "label": plain(messages.KPIS_LABEL),
            "hint": plain(messages.KPIS_HINT),
            "element": {
                "type": "multi_static_select",
                "action_id": messages.ELEMENT,
                "options": kpi_options,
                # In the order saved: the digest shows its KPIs in that order.
                "initial_options": [by_key[kpi.key] for kpi in chosen(kpis) if kpi.key in by_key],
                "max_selected_items": 8,
            },
        },
    ]


def _element(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    element = (values.get(block_id) or {}).get(messages.ELEMENT)
    return element if isinstance(element, dict) else {}


def read_cadence(values: dict[str, Any]) -> tuple[CadenceChoice | None, dict[str, str]]:
    """The cadence, weekday and KPIs submitted, or the error to show under the field that is wrong. A form from
    before these fields existed (no cadence block) is a daily digest, as it was."""
    if messages.BLOCK_CADENCE not in values:
        return CadenceChoice(cadence=DigestCadence.DAILY, weekday=0, kpis=""), {}
    picked = str((_element(values, messages.BLOCK_CADENCE).get("selected_option") or {}).get("value", ""))
    if picked not in {cadence.value for cadence in DigestCadence}:
        return None, {messages.BLOCK_CADENCE: messages.MODAL_BAD_CADENCE}
    day = str((_element(values, messages.BLOCK_WEEKDAY).get("selected_option") or {}).get("value", "0"))
    weekday = int(day) if day.isdigit() and int(day) < 7 else 0
    keys = [str(o.get("value", "")) for o in _element(values, messages.BLOCK_KPIS).get("selected_options") or []]
    kpis = [kpi for key in keys if (kpi := kpi_for(key)) is not None]
    if len(kpis) != len(keys):
        return None, {messages.BLOCK_KPIS: messages.MODAL_BAD_KPIS}
    rollup, properties = read_rollup(values)
    choice = CadenceChoice(
        cadence=DigestCadence(picked), weekday=weekday, kpis=stored(kpis), rollup=rollup, properties=properties
    )
    return choice, {}
