"""Every metric `/metrics` shows follows Prometheus' naming rules: snake_case under our prefixes, `_total` on
counters and only there, base units (seconds, bytes) spelled out as the last word before `_total`."""

from __future__ import annotations

import re

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.metrics_core import Metric

from bot.agent.metrics import AgentMetrics
from bot.observe.metrics import Metrics

NAME = re.compile(r"^(lookout|gen_ai)_[a-z][a-z0-9_]*[a-z0-9]$")
# Units Prometheus wants converted to a base unit (seconds, bytes) or to a ratio.
NOT_BASE_UNITS = {
    "ms", "millis", "milliseconds", "us", "microseconds", "ns", "nanoseconds", "minutes", "hours", "days",
    "kb", "mb", "gb", "kib", "mib", "gib", "kilobytes", "megabytes", "gigabytes", "percent",
}  # fmt: skip
# Words in a help text that say the metric measures time: its name must then say seconds.
TIME_WORDS = re.compile(r"\b(time|duration|latency|took|how long)\b", re.IGNORECASE)


def families() -> list[Metric]:
    metrics = Metrics()
    AgentMetrics(metrics.registry)
    return list(metrics.registry.collect())


def test_the_app_registry_holds_every_family_checked_here() -> None:
    names = {family.name for family in families()}
    assert {"lookout_slack_ack_seconds", "gen_ai_client_token_usage", "lookout_agent_tokens"} <= names
    assert "gen_ai_client_operation_duration_seconds" in names


@pytest.mark.parametrize("family", families(), ids=lambda family: family.name)
def test_each_metric_name_follows_the_prometheus_rules(family: Metric) -> None:
    assert NAME.match(family.name), family.name
    words = family.name.split("_")
    assert not NOT_BASE_UNITS & set(words), f"{family.name}: use a base unit (seconds, bytes)"
    samples = {sample.name for sample in family.samples}
    if family.type == "counter":
        # prometheus_client exposes a counter's samples as NAME_total (and NAME_created); a labelled one has none yet.
        assert samples <= {family.name + "_total", family.name + "_created"}, samples
    else:
        assert not family.name.endswith("_total"), f"{family.name}: only counters end in _total"
    if TIME_WORDS.search(family.documentation):
        assert words[-1] == "seconds", f"{family.name} measures time: end its name in _seconds"


def test_the_check_rejects_names_that_break_the_rules() -> None:
    registry = CollectorRegistry()

    Histogram("lookout_answer_latency_ms", "Answer latency.", registry=registry)
    Counter("LookoutThings", "Things.", registry=registry)
    Histogram("lookout_answer_wait", "Time an answer waited.", registry=registry)
    bad = list(registry.collect())
    for family in bad:
        with pytest.raises(AssertionError):
            test_each_metric_name_follows_the_prometheus_rules(family)
