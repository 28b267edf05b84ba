"""What model usage costs: a price table (USD per million tokens) that configuration can override or extend."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from bot.llm.messages import Usage

log = logging.getLogger(__name__)


class Price(BaseModel):
    """USD per million tokens. `cached_input` applies to prompt-cache reads, `cache_write` to cache writes."""

    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None


# List prices at the time of writing; LOOKOUT_MODEL_PRICES overrides any of them.
DEFAULT_PRICES: dict[str, Price] = {
    "anthropic:claude-haiku-4-5": Price(input=1.0, output=5.0, cached_input=0.10, cache_write=1.25),
    "anthropic:claude-sonnet-4-5": Price(input=3.0, output=15.0, cached_input=0.30, cache_write=3.75),
    "anthropic:claude-opus-4-1": Price(input=15.0, output=75.0, cached_input=1.50, cache_write=18.75),
    "gemini:gemini-2.5-flash": Price(input=0.30, output=2.50, cached_input=0.075),
    "gemini:gemini-2.5-flash-lite": Price(input=0.10, output=0.40, cached_input=0.025),
    "gemini:gemini-2.5-pro": Price(input=1.25, output=10.0, cached_input=0.31),
    "xai:grok-4-fast": Price(input=0.20, output=0.50, cached_input=0.05),
    "xai:grok-4": Price(input=3.0, output=15.0, cached_input=0.75),
    "openai:gpt-5-mini": Price(input=0.25, output=2.0, cached_input=0.025),
    "openai:gpt-5": Price(input=1.25, output=10.0, cached_input=0.125),
}
# An unknown model is charged like a large one, so a budget errs on the safe side.
FALLBACK_PRICE = Price(input=3.0, output=15.0)


@dataclass(frozen=True)
class PriceTable:
    prices: dict[str, Price]

    @classmethod
    def from_config(cls, override: str | None) -> PriceTable:
        """The defaults with LOOKOUT_MODEL_PRICES (a JSON object keyed by "provider:model") applied on top."""
        prices = dict(DEFAULT_PRICES)
        if override:
            try:
                raw = json.loads(override)
                if not isinstance(raw, dict):
                    raise TypeError("not an object")
                prices.update({str(name): Price.model_validate(value) for name, value in raw.items()})
            except (json.JSONDecodeError, TypeError, ValidationError) as error:
                log.error("LOOKOUT_MODEL_PRICES is not valid (%s); using the built-in prices", type(error).__name__)
        return cls(prices)

    def price(self, model: str) -> Price:
        return self.prices.get(model) or FALLBACK_PRICE

    def cost(self, model: str, usage: Usage) -> float:
        price = self.price(model)
        cached = usage.cached_tokens
        written = usage.cache_write_tokens
        fresh = max(usage.input_tokens - cached - written, 0)
        total = (
            fresh * price.input
            + cached * (price.cached_input if price.cached_input is not None else price.input)
            + written * (price.cache_write if price.cache_write is not None else price.input)
            + usage.output_tokens * price.output
        )
        return total / 1_000_000
