"""A rule's verdict and severity, from its two windows."""

from datetime import datetime

import pytest

from tools.rules.evaluate import evaluate
from tools.rules.read import Reading, judged_window
from tools.rules.spec import parse_rule

START = datetime(2026, 11, 18)


def _verdict(words: str, current: float, previous: float) -> tuple[bool, str]:
    verdict = evaluate(
        parse_rule(words.split()), Reading(current=current, previous=previous, start=START, hourly=False)
    )
    return verdict.breached, verdict.severity


@pytest.mark.parametrize(
    ("words", "current", "previous", "expected"),
    [
        ("sessions drops 30%", 71, 100, (False, "info")),
        ("sessions drops 30%", 70, 100, (True, "info")),
        ("sessions drops 30%", 64, 100, (True, "warning")),  # 36 %: 1.2 times the threshold
        ("sessions drops 30%", 55, 100, (True, "critical")),  # 45 %: 1.5 times
        ("sessions drops 30%", 10, 0, (False, "info")),  # nothing to compare with
        ("sessions rises 50%", 155, 100, (True, "info")),
        ("sessions rises 50%", 160, 100, (True, "warning")),
        ("sessions rises 50%", 90, 100, (False, "info")),
        ("sessions drops 500", 1000, 1500, (True, "info")),
        ("sessions drops 500", 1000, 1400, (False, "info")),
        ("keyEvents below 5", 4, 0, (True, "warning")),
        ("keyEvents below 5", 2, 0, (True, "critical")),
        ("keyEvents below 5", 5, 0, (False, "info")),
        ("totalRevenue above 10000", 10500, 0, (True, "info")),
        ("sessionKeyEventRate below 2%", 0.012, 0, (True, "warning")),
        ("sessionKeyEventRate below 2%", 0.025, 0, (False, "info")),
    ],
)
def test_breach_and_severity(words: str, current: float, previous: float, expected: tuple[bool, str]) -> None:
    assert _verdict(words, current, previous) == expected


@pytest.mark.parametrize(
    ("words", "now", "expected"),
    [
        # 05:59 in New York: yesterday has not settled, the day before is judged; from 06:00 yesterday is
        ("sessions drops 30%", datetime.fromisoformat("2026-11-20T10:59+00:00"), datetime(2026, 11, 18)),
        ("sessions drops 30%", datetime.fromisoformat("2026-11-20T11:00+00:00"), datetime(2026, 11, 19)),
        # hourly: GA4 is still filling the current hour and the one before
        ("sessions drops 30% hourly", datetime.fromisoformat("2026-11-20T19:10+00:00"), datetime(2026, 11, 20, 12)),
    ],
)
def test_the_judged_window(words: str, now: datetime, expected: datetime) -> None:
    assert judged_window(parse_rule(words.split()), now=now, timezone="America/New_York") == expected
