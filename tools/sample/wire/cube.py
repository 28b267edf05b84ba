"""Sums over the dataset cube: atoms by dimensions over a date range, by event name, by item, split into hours."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np

from tools.sample.dataset import IntArray, PropertyDataset
from tools.sample.events import EVENTS, event_count, event_row_atoms
from tools.sample.wire.dimensions import DAY, DIMENSIONS, HOUR, PAGE
from tools.sample.wire.filters import dimension_mask, split_event_filter, split_hour_filter, string_match
from tools.sample.wire.labels import Labels
from tools.sample.wire.protocol import Json


def _split_hours(values: IntArray, weights: np.ndarray[Any, np.dtype[np.float64]]) -> IntArray:
    """Split per-day counts across 24 hours so the hours sum exactly to the day (largest remainder).

    `values` has the day axis first and the page axis last; `weights` is (days, pages, 24).
    """
    norm = weights / np.maximum(weights.sum(axis=-1, keepdims=True), 1e-12)
    middle_dims = values.ndim - 2
    w = norm.reshape((norm.shape[0],) + (1,) * middle_dims + norm.shape[1:])
    raw = values[..., None] * w
    floor = np.floor(raw)
    remainder = (values - floor.sum(axis=-1)).astype(np.int64)
    fraction = raw - floor
    ranks = np.argsort(np.argsort(-fraction, axis=-1, kind="stable"), axis=-1, kind="stable")
    result: IntArray = (floor + (ranks < remainder[..., None])).astype(np.int64)
    return result


def aggregate(
    dataset: PropertyDataset,
    *,
    start: date,
    end: date,
    dimensions: Sequence[str],
    atom_names: Iterable[str],
    dimension_filter: Json | None,
    row_atoms: Callable[[Callable[[str], IntArray]], Mapping[str, Callable[[], IntArray]]] | None = None,
) -> dict[tuple[str, ...], dict[str, float]]:
    """Sums of atoms by `dimensions` over the days; `row_atoms` (given the base atoms) replaces some of them, as
    the rows of one event name do."""
    cube = dataset.ga4()
    labels = Labels(dataset, cube.days)
    first = max(0, (start - cube.days[0]).days)
    last = min(len(cube.days) - 1, (end - cube.days[0]).days)
    atom_list = sorted(set(atom_names))
    if last < first:
        return {}
    shape = cube.atoms["sessions"].shape
    hours, dimension_filter = split_hour_filter(dimension_filter)
    mask = dimension_mask(dimension_filter, labels, shape)[first : last + 1] if dimension_filter else None
    needed = sorted({axis for name in dimensions for axis in DIMENSIONS[name].axes})
    by_hour = HOUR in needed
    hourly = by_hour or hours is not None
    cube_axes = [axis for axis in needed if axis != HOUR]
    if hourly and DAY not in cube_axes:
        cube_axes = [DAY, *cube_axes]
    drop = tuple(axis for axis in range(5) if axis not in cube_axes)
    reduced: dict[str, IntArray] = {}

    def base(name: str) -> IntArray:
        if name.startswith("keyEvents:"):
            return event_count(name.removeprefix("keyEvents:"), base, dataset.pages)
        return cube.atoms[name][first : last + 1]

    replaced = row_atoms(base) if row_atoms is not None else {}
    for name in atom_list:
        values = replaced[name]() if name in replaced else base(name)
        if mask is not None:
            values = np.where(mask, values, 0)
        if hourly:
            # Each landing page has its own hours (a tracking break may hit one page group for a few hours only), so
            # days are split into hours page by page, and pages summed afterwards when not asked for.
            summed = values.sum(axis=tuple(axis for axis in drop if axis != PAGE))
            weights = cube.page_hour_weights[first : last + 1] * cube.hour_noise[first : last + 1, None, :]
            summed = _split_hours(summed, weights)
            if hours is not None:  # the hours a filter lets through; the others count for nothing
                summed = np.where(np.isin(np.arange(24), sorted(hours)), summed, 0)
            if not by_hour:
                summed = summed.sum(axis=-1)
            if PAGE in drop:
                summed = summed.sum(axis=-2 if by_hour else -1)
        else:
            summed = values.sum(axis=drop)
        reduced[name] = np.asarray(summed, dtype=np.int64)
    kept_axes = cube_axes + ([HOUR] if by_hour else [])
    return _label_cells(reduced, labels=labels, axes=kept_axes, first=first, dimensions=dimensions)


def _label_cells(
    reduced: Mapping[str, IntArray], *, labels: Labels, axes: Sequence[int], first: int, dimensions: Sequence[str]
) -> dict[tuple[str, ...], dict[str, float]]:
    """Sum the reduced cells into rows keyed by their dimension labels (several cells may share one label)."""
    groups: dict[tuple[str, ...], dict[str, float]] = {}
    sample = next(iter(reduced.values()))
    for position in np.ndindex(*sample.shape):
        index = dict(zip(axes, position, strict=True))
        if DAY in index:
            index[DAY] += first
        key = tuple(labels.label(name, index) for name in dimensions)
        bucket = groups.setdefault(key, dict.fromkeys(reduced, 0.0))
        for name, values in reduced.items():
            bucket[name] += float(values[position])
    return groups


def event_groups(
    dataset: PropertyDataset,
    *,
    start: date,
    end: date,
    dims: Sequence[str],
    atom_names: Iterable[str],
    dimension_filter: Json | None,
) -> dict[tuple[str, ...], dict[str, float]]:
    """Rows by event name: each event's own counts, users and sessions, grouped by the other dimensions."""
    conditions, remaining = split_event_filter(dimension_filter)
    others = [d for d in dims if d != "eventName"]
    groups: dict[tuple[str, ...], dict[str, float]] = {}
    for event in EVENTS:
        if not all(string_match(condition, event) for condition in conditions):
            continue
        found = aggregate(
            dataset,
            start=start,
            end=end,
            dimensions=others,
            atom_names=atom_names,
            dimension_filter=remaining,
            row_atoms=functools.partial(event_row_atoms, event, dataset.pages),
        )
        for key, atoms in found.items():
            labelled = dict(zip(others, key, strict=True))
            labelled["eventName"] = event
            groups[tuple(labelled[d] for d in dims)] = atoms
    return groups


def split_items(
    groups: dict[tuple[str, ...], dict[str, float]],
    base_dims: Sequence[str],
    group_dims: Sequence[str],
    *,
    items: Sequence[tuple[str, float]],
) -> dict[tuple[str, ...], dict[str, float]]:
    """Item rows: each group's purchases and revenue split across the catalog by fixed shares."""
    out: dict[tuple[str, ...], dict[str, float]] = {}
    for key, atoms in groups.items():
        base = dict(zip(base_dims, key, strict=True))
        for item, share in items:
            values = {name: float(np.floor(value * share)) for name, value in atoms.items()}
            full = {**base, "itemName": item}
            out_key = tuple(full[d] for d in group_dims)
            bucket = out.setdefault(out_key, dict.fromkeys(atoms, 0.0))
            for name, value in values.items():
                bucket[name] += value
    return out
