"""The agent's Prometheus metrics, registered on the app's registry so `/metrics` shows them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class AgentMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.answers = Counter(
            "lookout_agent_answers",
            "Agent turns by how they ended (answered, a cap, budget…).",
            ["outcome"],
            registry=registry,
        )
        self.untraced_numbers = Counter(
            "lookout_agent_untraced_numbers",
            "Numbers in answers that could not be traced to the conversation's tool results.",
            registry=registry,
        )
        self.fallbacks = Counter(
            "lookout_agent_model_fallbacks",
            "Model requests answered by a later model of the chain, by the model that failed.",
            ["failed_model"],
            registry=registry,
        )
        self.tokens = Counter(
            "lookout_agent_tokens",
            "Model tokens by model and kind (input, output, cached).",
            ["model", "kind"],
            registry=registry,
        )
        self.cost = Counter("lookout_agent_cost_usd", "Model cost in USD by model.", ["model"], registry=registry)
        self.model_seconds = Counter(
            "lookout_agent_model_seconds", "Time spent waiting on model requests.", registry=registry
        )
        self.tool_seconds = Counter(
            "lookout_agent_tool_seconds", "Time spent waiting on tool calls.", registry=registry
        )
        self.turn_seconds = Histogram(
            "lookout_agent_turn_seconds",
            "Wall time of one agent turn.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 90, 120),
            registry=registry,
        )
