"""What model usage costs: a price table (USD per million tokens) that configuration can override or extend."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from bot.llm.messages import Usage

log = logging.getLogger(__name__)


class Price(BaseModel):
    """USD per million tokens. `cached_input` applies to prompt-cache reads, `cache_write` to cache writes.

    Some models bill a whole request at higher rates once its prompt (all input, cached and written included) is
    longer than `long_prompt_tokens`: that request is then charged at `long_prompt`, output included.
    """

    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    long_prompt_tokens: int | None = None
    long_prompt: Price | None = None


# List prices (USD per million tokens), checked 2026-11-21; LOOKOUT_MODEL_PRICES overrides any of them.
# Sources: https://platform.claude.com/docs/en/about-claude/pricing and the model pages
#   https://platform.claude.com/docs/en/models/haiku-5-5/overview, .../models/sonnet-5-5/migration-guide (Sonnet 5.5
#   cache reads cut to $0.10 on 2026-10-07); https://ai.google.dev/gemini-api/docs/pricing and
#   https://ai.google.dev/gemini-api/docs/deprecations (gemini-2.5-pro and -flash shut down 2026-12-01);
#   https://docs.x.ai/developers/models, https://docs.x.ai/developers/grok-4-7 and
#   https://docs.x.ai/developers/migration/may-15-retirement (grok-4-fast and grok-4 retired 2026-05-15);
#   https://developers.openai.com/api/docs/pricing and .../models/gpt-6-luna (cache reads 10%, writes 125% of input;
#   above 272K prompt tokens input and cache rates double and output is 1.5x).
# Where a provider's cache-read price could not be confirmed it is left out, so those tokens count at the full input
# price (a budget errs on the safe side).
DEFAULT_PRICES: dict[str, Price] = {
    "anthropic:claude-haiku-5-5": Price(
        input=0.10,
        output=0.50,
        cached_input=0.01,
        cache_write=0.125,
        long_prompt_tokens=100_000,
        long_prompt=Price(input=0.50, output=2.50, cached_input=0.05, cache_write=0.625),
    ),
    "anthropic:claude-sonnet-5-5": Price(input=2.0, output=10.0, cached_input=0.10, cache_write=2.50),
    "anthropic:claude-haiku-4-5": Price(input=1.0, output=5.0, cached_input=0.10, cache_write=1.25),
    "anthropic:claude-sonnet-4-5": Price(input=3.0, output=15.0, cached_input=0.30, cache_write=3.75),  # EOL 2026-11-30
    # Introductory through 2026-12-31; from 2027-01-01 $1.50 in / $7.50 out.
    "gemini:gemini-3.8-flash": Price(input=0.75, output=3.75),
    "gemini:gemini-3.5-flash-lite": Price(input=0.30, output=2.50),
    "gemini:gemini-2.5-flash": Price(input=0.30, output=2.50, cached_input=0.075),  # shut down 2026-12-01
    "gemini:gemini-2.5-flash-lite": Price(input=0.10, output=0.40, cached_input=0.025),
    "gemini:gemini-2.5-pro": Price(input=1.25, output=10.0, cached_input=0.31),  # shut down 2026-12-01
    "xai:grok-4.3": Price(input=1.25, output=2.50),
    "xai:grok-4.7": Price(
        input=2.0,
        output=6.0,
        cached_input=0.50,
        long_prompt_tokens=200_000,
        long_prompt=Price(input=4.0, output=12.0, cached_input=1.0),
    ),
    "openai:gpt-6-luna": Price(
        input=0.10,
        output=0.50,
        cached_input=0.01,
        cache_write=0.125,
        long_prompt_tokens=272_000,
        long_prompt=Price(input=0.20, output=0.75, cached_input=0.02, cache_write=0.25),
    ),
    "openai:gpt-6-sol": Price(
        input=2.0,
        output=10.0,
        cached_input=0.20,
        cache_write=2.50,
        long_prompt_tokens=272_000,
        long_prompt=Price(input=4.0, output=15.0, cached_input=0.40, cache_write=5.0),
    ),
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
        """The cost of one request (or of requests that all fall in the same price tier)."""
        price = self.price(model)
        threshold = price.long_prompt_tokens
        if price.long_prompt is not None and threshold is not None and usage.input_tokens > threshold:
            price = price.long_prompt
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

    def costs_by_model(self, requests: Iterable[tuple[str, Usage]]) -> dict[str, float]:
        """Each request priced on its own (its prompt length picks the tier), summed per model."""
        totals: dict[str, float] = {}
        for model, usage in requests:
            totals[model] = totals.get(model, 0.0) + self.cost(model, usage)
        return totals
