"""Turning readings into incidents: when one opens (one alert), what kind it is, and when it has recovered.

This is the only half of detection that depends on the alert level, and it is cheap, so one series' readings can
be replayed under several levels (the benchmark chooses the default level by cross-validation this way).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tools.anomaly.count_tail import NEAR_ZERO_SHARE
from tools.anomaly.likelihood import AVERAGE_POINTS
from tools.anomaly.medians import clamp
from tools.anomaly.models import Event, IncidentKind, Sensitivity
from tools.anomaly.novelty import PATTERN_POINTS
from tools.anomaly.surprise import DAY, SCALES, Reading


@dataclass(frozen=True, slots=True, order=True)
class Rule:
    """When an incident opens: the ratio `level` against the `rank`-th largest deviation of the recent past, or a
    run of deviations whose likelihood is below 10^-(`digits` x `level`) (`tools.anomaly.likelihood`; inf = off),
    or a stretch whose distance to the closest earlier one reaches `novelty` x `level` times the `rank`-th largest
    such distance of the recent past (`tools.anomaly.novelty`; inf = off)."""

    level: float
    rank: int
    digits: float = math.inf
    novelty: float = math.inf


# The medium rule. `lookout bench anomaly --cv` prints the rule its leave-one-category-out procedure picks on the
# whole development split beside this one; it is the one picked there, not a per-file fit.
MEDIUM = Rule(level=1.0, rank=2, digits=6.0, novelty=1.0)
MEDIUM_LEVEL = MEDIUM.level
# Low and high sensitivity move the level by fixed factors around medium: fewer, larger incidents, or more, smaller.
# Set by design (about two steps of the bench's level grid, 2^(1/6) apart, either way), never by score; the bench
# prints what each costs in alerts and finds, and the marketing-shape tests hold that they trade recall for
# precision in hourly and daily data.
SENSITIVITY_FACTOR: dict[Sensitivity, float] = {"low": 1.3, "medium": 1.0, "high": 0.75}
# Ratio below which an incident counts as quiet (hysteresis: ending needs much less than starting). Set by design.
QUIET_SHARE = 0.6
# How far (in spreads) the alerting value itself must be from its expected value, in the incident's direction:
# one spread, the residual's own typical size, i.e. the value is outside its usual noise band. The natural unit,
# not fitted; asking only for the right direction (0) costs 0.5 points of CV and adds 6 alerts.
VISIBLE_DEVIATION = 1.0
# Shortest time between two alerts, and how long the open incident must stay quiet to end (seconds): a quarter of
# a day and three hours, what a channel tolerates for one incident. Product choices, not fitted.
MIN_ALERT_GAP = DAY / 4
QUIET_SPAN = 3 * 3600.0
# Readings after a recovery during which a shift statistic may still span the incident: twice the longest scale.
AFTERMATH = 2 * SCALES[-1]


def quiet_points(kind: IncidentKind | None, *, step: float) -> int:
    """Quiet readings in a row that end an incident: `QUIET_SPAN` of them at sampling interval `step` (seconds),
    2 to 24; a collapse ends at the first value back."""
    if kind == "near_zero":
        return 1
    return int(clamp(QUIET_SPAN * (1.0 / step), 2, 24)) if step > 0 else 2  # as the tracker reads its step


def rule_for(sensitivity: Sensitivity, *, medium: Rule = MEDIUM) -> Rule:
    return replace(medium, level=medium.level * SENSITIVITY_FACTOR[sensitivity])


@dataclass(frozen=True, slots=True)
class Step:
    """The tracker's verdict on one point: the ratio it judged by, an alert, a recovery, the open incident."""

    ratio: float
    deviation: float
    alert: bool
    event: Event | None
    in_incident: bool
    kind: IncidentKind | None


class IncidentTracker:
    """One alert per incident, a recovery when it ends, and no second alert for the same shift.

    After an incident ends, a shift statistic still compares the new normal with the old one for a while: it is
    ignored until its window holds only post-incident points, so a lasting level shift alerts once.
    """

    def __init__(self, rule: Rule) -> None:
        self.level = rule.level
        self._rank = rule.rank
        self._digits = rule.digits
        self._novelty = rule.novelty
        self.in_incident = False
        self.kind: IncidentKind | None = None
        self._baseline = 0.0
        self._quiet = 0
        # Readings judged so far, and the reading of the last alert, of the last recovery and the first after its
        # grace. Counting from these, rather than bumping counters at every reading, lets `RuleReplay` skip a
        # tracker whose verdict is plain without touching it.
        self.readings = 0
        self._alerted_at = -(10**9)
        self._recovered_at = -(10**9)
        self._grace_until = 0

    def step(self, value: float, reading: Reading | None, *, scored: bool, level_points: int) -> Step:
        if reading is None or not reading.ratios:
            return Step(0.0, 0.0, False, None, self.in_incident, self.kind if self.in_incident else None)
        self.readings += 1
        ratio, deviation, alert, event = self._step(value, reading, scored=scored, level_points=level_points)
        return Step(ratio, deviation, alert, event, self.in_incident, self.kind if self.in_incident else None)

    def alerts(self, value: float, reading: Reading | None, *, scored: bool, level_points: int) -> bool:
        """`step(...).alert` without building the step."""
        if reading is None or not reading.ratios:
            return False
        self.readings += 1
        return self._step(value, reading, scored=scored, level_points=level_points)[2]

    def _step(
        self, value: float, reading: Reading, *, scored: bool, level_points: int
    ) -> tuple[float, float, bool, Event | None]:
        since_recovery = self.readings - self._recovered_at
        # A new pattern opens an incident but never holds one open: for as long as its window holds an incident's
        # points it only repeats them, so an incident ends, and is a spike or a shift, by the other readings.
        novelty = reading.novelty[self._rank - 1] / self._novelty if reading.novelty and not self.in_incident else 0.0
        collapse = reading.collapse[self._rank - 1] if reading.collapse else 0.0
        if since_recovery >= AFTERMATH:
            ratio, deviation = reading.best[self._rank - 1]
            ratio = max(ratio, reading.tail / self._digits, novelty, collapse)
            if not self.in_incident and ratio < self.level:
                return ratio, deviation, False, None  # the common case, decided without the details below
        else:
            # After an incident ends, a shift statistic still compares the new normal with the old one for a while.
            ratios = reading.ratios[self._rank - 1]
            usable = [k == 1 or since_recovery >= 2 * k for k in SCALES]
            ratio, deviation = 0.0, 0.0
            for ok, each, stat in zip(usable, ratios, reading.stats, strict=True):
                if ok and each > ratio:
                    ratio, deviation = each, stat
            if reading.other_ratios:
                others = reading.other_ratios[self._rank - 1]
                other = max((each for ok, each in zip(usable, others, strict=True) if ok), default=0.0)
                ratio = 0.5 * (ratio + other)
            if since_recovery >= AVERAGE_POINTS:
                ratio = max(ratio, reading.tail / self._digits)
            ratio = max(ratio, collapse)
            if since_recovery >= 2 * PATTERN_POINTS:
                ratio = max(ratio, novelty)
            else:
                novelty = 0.0
        collapsed = collapse >= self.level
        alert, event = self._advance(
            value,
            reading,
            ratio,
            deviation,
            unlikely=novelty >= self.level or collapsed,
            collapsed=collapsed,
            scored=scored,
            level_points=level_points,
        )
        if alert and self.kind == "near_zero" and deviation >= 0 and reading.stats:
            # A collapse is read from the point (or the run) itself; the statistic that set the ratio may be a
            # longer one still up from before (a spike's), or none (a sparse count's median expects 0), and a count
            # at near zero is a fall, whatever that one says: its gap to what the collapse expected, in spreads.
            expected = reading.expected if reading.expected is not None else value
            deviation = min(reading.stats[0], (value - expected) / max(reading.spread, 1e-9))
        return ratio, deviation, alert, event

    def _advance(
        self,
        value: float,
        reading: Reading,
        ratio: float,
        deviation: float,
        *,
        unlikely: bool,
        collapsed: bool,
        scored: bool,
        level_points: int,
    ) -> tuple[bool, Event | None]:
        per_second = 1.0 / reading.step if reading.step > 0 else 0.0
        gap = clamp(MIN_ALERT_GAP * per_second, 1, 1_000)
        if self.in_incident:
            # The model's level is additive: after a strong day's spike every value of the night is below the
            # level it carries, the ratio never gets quiet, and the spike stays open into the next day (a drop
            # open since such a night, into the next morning). What happens then is not more of the same incident
            # but news of its own, which an incident that cannot end would swallow: a count that collapses (an
            # outage), or a deviation the other way that would open an incident by itself (the morning's spike).
            # The open incident ends here, superseded, and the new one opens, with its alert. (A collapse is near
            # zero beside the series' typical size too, `count_tail.Collapses`: a strong day that stops at
            # midnight, a tenth of what the spike carried up, is no collapse.)
            news = collapsed or self._turned(value, reading, ratio, deviation)
            if news and scored and self.readings - self._alerted_at >= gap and self.kind != "near_zero":
                # What the detector expects is raised (or lowered) by the incident that ends here: the new one is
                # told against the nearer of that and what the same time usually holds, never overstated.
                usual = self._usual(reading)
                expected = reading.expected if reading.expected is not None else usual
                nearer = min(expected, usual, key=lambda each: abs(value - each))
                self._open(value, reading, deviation, collapsed=collapsed, expected=nearer)
                return True, "alert"
            # A collapse ends when the values come back: past half what the same time usually holds (the seasonal
            # profiles; without one, what was expected when it opened: a collapse that opened at night must not end
            # at the morning's trickle), and no longer near zero beside the series' typical size. Anything else
            # ends when the deviation has faded.
            usual = reading.usual if reading.usual is not None else self._baseline
            back = max(0.5 * usual, NEAR_ZERO_SHARE * reading.typical)
            quiet = value > back if self.kind == "near_zero" else ratio < QUIET_SHARE * self.level
            self._quiet = self._quiet + 1 if quiet else 0
            needed = quiet_points(self.kind, step=reading.step)
            if self._quiet >= needed:
                self.in_incident = False
                self._quiet = 0
                self._grace_until = self.readings + (level_points if self.kind == "near_zero" else 0)
                self._recovered_at = self.readings
                return False, "recovery"
            return False, None
        in_grace = self.readings < self._grace_until
        if not scored or in_grace or self.readings - self._alerted_at < gap or ratio < self.level:
            return False, None
        unlikely_run = unlikely or reading.tail / self._digits >= self.level
        if not unlikely_run and (reading.stats[0] * deviation <= 0 or abs(reading.stats[0]) < VISIBLE_DEVIATION):
            # A shift the current value does not show (it sits at its expected value) is nothing to tell anyone
            # yet: the incident opens, if it is real, when a value shows it. (A run of unusual values that the
            # likelihood finds unlikely, a pattern the series never made, or a count's collapse, is news even if the
            # latest value is ordinary.)
            return False, None
        self._open(value, reading, deviation, collapsed=collapsed)
        return True, "alert"

    def _turned(self, value: float, reading: Reading, ratio: float, deviation: float) -> bool:
        """Whether the open spike or drop is met by a deviation the other way that would open an incident of its
        own: at the level, shown by the value itself (as `_advance` asks of any new incident), and past what the
        same time usually holds (the seasonal profiles; without one, what was expected when the incident opened).
        The last is what tells a turn from a return: when a campaign ends, the values fall back to their usual
        level, which is a drop only against the level the campaign raised, and that is the incident's recovery."""
        down = self.kind == "spike"
        other_way = deviation < 0 if down else deviation > 0
        shown = reading.stats[0] * deviation > 0 and abs(reading.stats[0]) >= VISIBLE_DEVIATION
        usual = self._usual(reading)
        margin = VISIBLE_DEVIATION * reading.spread
        beyond = value < usual - margin if down else value > usual + margin
        return other_way and ratio >= self.level and shown and beyond

    def _usual(self, reading: Reading) -> float:
        """What the same time usually holds: the seasonal profiles' value, or without one what was expected when
        the open incident began."""
        return reading.usual if reading.usual is not None else self._baseline

    def _open(
        self, value: float, reading: Reading, deviation: float, *, collapsed: bool, expected: float | None = None
    ) -> None:
        """Open an incident at this reading (its alert), of the kind the value and the deviation say (near zero
        when a count's collapse reached the level: a tenth of what was expected, at one in a million), against
        `expected` (by default what the detector expected of this reading)."""
        if expected is None:
            expected = reading.expected if reading.expected is not None else value
        self.in_incident = True
        self._quiet = 0
        self._alerted_at = self.readings
        self._baseline = expected
        material = expected > 0 and (expected - value) > 3 * reading.spread
        if collapsed or (material and value <= NEAR_ZERO_SHARE * expected):
            self.kind = "near_zero"
        elif deviation > 0:
            self.kind = "spike"
        else:
            self.kind = "drop"


def calm_ratio(reading: Reading, rule: Rule) -> float:
    """The ratio a tracker under `rule` that is out of any incident and its aftermath judges `reading` by, whatever
    its level: the readings' largest ratio at the rule's rank, the likelihood's digits, the novelty and a count's
    collapse, as `_step` reads them. In an incident's aftermath `_step` reads a subset of the same ratios (the shift
    scales whose window is past the incident, the likelihood and novelty once their windows are), so its ratio is
    never larger: this bounds every tracker that is not in an incident."""
    novelty = reading.novelty[rule.rank - 1] / rule.novelty if reading.novelty else 0.0
    collapse = reading.collapse[rule.rank - 1] if reading.collapse else 0.0
    return max(reading.best[rule.rank - 1][0], reading.tail / rule.digits, novelty, collapse)


class RuleReplay:
    """One tracker per rule over the same readings, each alerting exactly as its own `IncidentTracker.alerts`
    would: what the benchmark replays (about 60 rules; stepping each of them at every point took a quarter of its
    time).

    A tracker out of any incident does not alert, and changes nothing, while its ratio is below its level, and that
    ratio is at most `calm_ratio`, which depends on the rule's rank, digits and novelty, not on its level (in an
    incident's aftermath too: there it reads fewer of the same ratios). So it is read once per such group, and a
    tracker is stepped only when its level is at or under it, or while it is in an incident (a few trackers of the
    60 at a time on NAB: one must see every reading to know when the incident ends).
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._trackers = [IncidentTracker(rule) for rule in rules]
        groups: dict[Rule, list[int]] = {}
        for index, rule in enumerate(rules):
            groups.setdefault(replace(rule, level=0.0), []).append(index)
        # Per group: its rule at level 0, and its trackers by level, lowest first.
        self._groups = [
            (rule, sorted(members, key=lambda index: self._trackers[index].level)) for rule, members in groups.items()
        ]
        self._open: set[int] = set()
        self._readings = 0

    def alerts(self, value: float, reading: Reading | None, *, scored: bool, level_points: int) -> tuple[bool, ...]:
        """Per rule, `IncidentTracker.alerts` of its tracker."""
        verdicts = [False] * len(self._trackers)
        if reading is None or not reading.ratios:
            return tuple(verdicts)
        self._readings += 1
        due = set(self._open)
        for rule, members in self._groups:
            ratio = calm_ratio(reading, rule)
            for index in members:
                if self._trackers[index].level > ratio:
                    break
                due.add(index)
        for index in due:
            tracker = self._trackers[index]
            tracker.readings = self._readings
            verdicts[index] = tracker._step(value, reading, scored=scored, level_points=level_points)[2]
            if tracker.in_incident:
                self._open.add(index)
            else:
                self._open.discard(index)
        return tuple(verdicts)
