"""Incidents injected into the sample property (`tools/sample/dataset/incidents.py`): each changes only the cells
it targets, the way the real event would."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np

from tools.sample.catalog import ACME
from tools.sample.dataset import BotSpike, OrganicDrop, PropertyDataset, TrackingBroken, Uplift


def test_incidents_change_only_their_cells() -> None:
    base = PropertyDataset(seed=9)
    hit = PropertyDataset(seed=9)
    hit.inject(OrganicDrop(start=date(2026, 11, 10), page_prefix="/blog/", remaining=0.5))
    before, after = base.ga4().atoms["sessions"], hit.ga4().atoms["sessions"]
    blog = [i for i, page in enumerate(ACME.pages) if page[0].startswith("/blog/")]
    other = [i for i in range(len(ACME.pages)) if i not in blog]
    start = base.day_index(date(2026, 11, 10))

    assert np.array_equal(before[:start], after[:start])
    assert np.array_equal(before[:, :, :, :, other], after[:, :, :, :, other])
    assert after[start:, 0, :, :, blog].sum() < 0.6 * before[start:, 0, :, :, blog].sum()  # google / organic
    assert np.array_equal(before[start:, 2][..., blog], after[start:, 2][..., blog])  # direct untouched


def test_tracking_break_zeroes_ga4_but_not_search_console() -> None:
    dataset = PropertyDataset(seed=2)
    dataset.inject(TrackingBroken(start=date(2026, 11, 14), end=date(2026, 11, 15)))
    day = dataset.day_index(date(2026, 11, 14))

    assert dataset.ga4().atoms["sessions"][day].sum() < 150
    assert dataset.gsc().atoms["clicks"][day].sum() > 500


def test_bot_spike_has_sessions_but_no_key_events() -> None:
    base, hit = PropertyDataset(seed=4), PropertyDataset(seed=4)
    hit.inject(BotSpike(start=date(2026, 11, 14), end=date(2026, 11, 14), country="Singapore", sessions_per_day=3000))
    day = base.day_index(date(2026, 11, 14))
    singapore = 9

    extra = (
        hit.ga4().atoms["sessions"][day, :, :, singapore].sum()
        - base.ga4().atoms["sessions"][day, :, :, singapore].sum()
    )
    extra_key_events = (
        hit.ga4().atoms["keyEvents"][day, :, :, singapore].sum()
        - base.ga4().atoms["keyEvents"][day, :, :, singapore].sum()
    )

    assert extra == 3000
    assert extra_key_events == 0


def test_a_page_level_tracking_break_hides_only_those_pages_in_those_hours() -> None:
    base = PropertyDataset(seed=4, now=datetime(2026, 11, 20, 15, 30))
    hit = PropertyDataset(seed=4, now=datetime(2026, 11, 20, 15, 30))
    hit.inject(
        TrackingBroken(start=date(2026, 11, 18), end=date(2026, 11, 18), hours=(12, 13, 14), page_prefix="/blog/")
    )
    day = base.day_index(date(2026, 11, 18))
    blog = [i for i, page in enumerate(ACME.pages) if page[0].startswith("/blog/")]
    other = [i for i in range(len(ACME.pages)) if i not in blog]

    before, after = base.ga4(), hit.ga4()

    assert np.array_equal(before.atoms["sessions"][..., other], after.atoms["sessions"][..., other])
    assert after.atoms["sessions"][day][..., blog].sum() < before.atoms["sessions"][day][..., blog].sum()
    assert np.allclose(
        after.page_hour_weights[day, blog][:, 12:15], before.page_hour_weights[day, blog][:, 12:15] * 0.02
    )
    assert np.array_equal(after.page_hour_weights[day, other], before.page_hour_weights[day, other])


def test_an_uplift_on_some_channels_moves_their_traffic_and_conversion_only() -> None:
    base = PropertyDataset(seed=4)
    hit = PropertyDataset(seed=4)
    hit.inject(
        Uplift(start=date(2026, 11, 10), end=date(2026, 11, 12), traffic=2.0, conversion=1.5, channels=("Email",))
    )
    email = [i for i, sm in enumerate(ACME.source_mediums) if sm.channel == "Email"]
    rest = [i for i in range(len(ACME.source_mediums)) if i not in email]
    days = slice(base.day_index(date(2026, 11, 10)), base.day_index(date(2026, 11, 12)) + 1)

    before, after = base.ga4().atoms, hit.ga4().atoms

    assert np.array_equal(before["sessions"][:, rest], after["sessions"][:, rest])
    ratio = after["sessions"][days, email].sum() / before["sessions"][days, email].sum()
    assert 1.9 < ratio < 2.1
    rate_before = before["keyEvents"][days, email].sum() / before["sessions"][days, email].sum()
    rate_after = after["keyEvents"][days, email].sum() / after["sessions"][days, email].sum()
    assert rate_after > 1.3 * rate_before
