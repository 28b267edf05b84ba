"""GA4 events by name, derived cell by cell from the sample cube's atoms, so reports by `eventName`, the
`keyEvents:<event>` metrics and funnels agree with the totals.

Per cell: page_view = views, session_start = sessions, first_visit = new users, scroll = engaged sessions; the key
events split the cell's key events (purchase = purchases, the rest between sign_up and generate_lead by page);
user_engagement is what remains of the event count, so the events of a cell always add up to its `eventCount`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.signedinteger[Any]]
Atoms = Callable[[str], IntArray]  # a base atom, already sliced to the requested days

EVENTS = (
    "page_view",
    "session_start",
    "first_visit",
    "user_engagement",
    "scroll",
    "sign_up",
    "generate_lead",
    "purchase",
)
KEY_EVENTS = ("purchase", "sign_up", "generate_lead")
# Of the key events that are not purchases, the share that are sign-ups, by landing page (the rest are leads).
SIGN_UP_SHARE = {"/signup": 0.8, "/pricing": 0.3}
DEFAULT_SIGN_UP_SHARE = 0.5


def _sign_up_shares(pages: Sequence[str]) -> npt.NDArray[np.float64]:
    return np.array([SIGN_UP_SHARE.get(path, DEFAULT_SIGN_UP_SHARE) for path in pages])[None, None, None, None, :]


def event_count(event: str, atoms: Atoms, pages: Sequence[str]) -> IntArray:
    """How many times `event` fired, per cell."""
    if event == "page_view":
        return atoms("screenPageViews")
    if event == "session_start":
        return atoms("sessions")
    if event == "first_visit":
        return atoms("newUsers")
    if event == "scroll":
        return atoms("engagedSessions")
    purchases = np.minimum(atoms("ecommercePurchases"), atoms("keyEvents"))
    if event == "purchase":
        return purchases
    others = atoms("keyEvents") - purchases
    sign_ups = np.floor(others * _sign_up_shares(pages)).astype(np.int64)
    if event == "sign_up":
        return sign_ups
    if event == "generate_lead":
        return others - sign_ups
    if event == "user_engagement":
        counted = np.zeros_like(atoms("eventCount"))
        for name in EVENTS:
            if name != "user_engagement":
                counted += event_count(name, atoms, pages)
        remaining: IntArray = np.maximum(atoms("eventCount") - counted, 0)
        return remaining
    raise KeyError(event)


def event_users(event: str, atoms: Atoms, pages: Sequence[str]) -> IntArray:
    """Users who triggered `event`, per cell."""
    if event in ("page_view", "session_start"):
        return atoms("totalUsers")
    if event == "first_visit":
        return atoms("newUsers")
    return np.minimum(atoms("totalUsers"), event_count(event, atoms, pages))


def event_sessions(event: str, atoms: Atoms, pages: Sequence[str]) -> IntArray:
    """Sessions in which `event` fired, per cell."""
    if event in ("page_view", "session_start"):
        return atoms("sessions")
    return np.minimum(atoms("sessions"), event_count(event, atoms, pages))


def event_row_atoms(event: str, pages: Sequence[str], atoms: Atoms) -> Mapping[str, Callable[[], IntArray]]:
    """The atoms of an `eventName = event` row: counts of that event, its users and sessions; nothing else."""

    def count() -> IntArray:
        return event_count(event, atoms, pages)

    def zero() -> IntArray:
        return np.zeros_like(atoms("sessions"))

    key = event in KEY_EVENTS
    return {
        "eventCount": count,
        "keyEvents": count if key else zero,
        "sessions": lambda: event_sessions(event, atoms, pages),
        "totalUsers": lambda: event_users(event, atoms, pages),
        "newUsers": (lambda: atoms("newUsers")) if event == "first_visit" else zero,
        "engagedSessions": (lambda: event_sessions(event, atoms, pages))
        if event in ("scroll", "user_engagement")
        else zero,
        "keyEventSessions": (lambda: event_sessions(event, atoms, pages)) if key else zero,
    }
