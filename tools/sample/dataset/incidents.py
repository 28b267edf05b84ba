"""What tests and the demo inject into a dataset: tracking breaks, organic drops, bot spikes, uplifts. Each changes
only the cells it targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class TrackingBroken:
    """GA4 records almost nothing (tag removed, consent bug) on these days, or only in these hours; GSC is untouched.

    With `page_prefix`, only sessions landing on those pages go unrecorded (a page template lost its tag).
    """

    start: date
    end: date
    hours: tuple[int, ...] | None = None  # None: the whole day
    remaining: float = 0.02
    page_prefix: str | None = None


@dataclass(frozen=True)
class OrganicDrop:
    """Organic traffic to pages under `page_prefix` falls by `1 - remaining` from `start` (GA4 and GSC clicks)."""

    start: date
    page_prefix: str = "/blog/"
    remaining: float = 0.45
    end: date | None = None
    position_loss: float = 3.0


@dataclass(frozen=True)
class BotSpike:
    """Bot sessions from one country: Direct, desktop, landing on the home page, never engaged, no key events."""

    start: date
    end: date
    country: str = "Singapore"
    sessions_per_day: int = 6000


@dataclass(frozen=True)
class Uplift:
    """More (or fewer) sessions on some days, with a different conversion rate: a campaign, a sale, a holiday.

    `channels` limits it to those default channel groups (none: every channel); Search Console impressions follow
    when organic search is included, because demand, not only the site, moved.
    """

    start: date
    end: date
    traffic: float = 1.0
    conversion: float = 1.0
    channels: tuple[str, ...] = ()


Incident = TrackingBroken | OrganicDrop | BotSpike | Uplift
