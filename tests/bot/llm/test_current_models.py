"""The default models and their prices: current ids, each priced, long prompts billed at the higher tier."""

from __future__ import annotations

import pytest

from bot.agent.cost import DEFAULT_PRICES, FALLBACK_PRICE, PriceTable
from bot.config.settings import DEFAULT_MODELS_DEEP, DEFAULT_MODELS_FAST
from bot.fakes.llm_script import LLMFakeServer, Reply
from bot.llm.base import ErrorKind, ModelError, ModelRequest, complete
from bot.llm.messages import Usage, user_text
from bot.llm.registry import PROVIDERS, parse_model_list
from tests.bot.llm.conftest import make_model
from tests.bot.llm.test_providers import REPORT

PRICES = PriceTable.from_config(None)


@pytest.mark.parametrize("models", [DEFAULT_MODELS_FAST, DEFAULT_MODELS_DEEP])
def test_every_default_model_has_a_list_price(models: str) -> None:
    refs = parse_model_list(models)

    assert [ref.provider for ref in refs] == list(PROVIDERS)
    assert all(str(ref) in DEFAULT_PRICES for ref in refs)
    assert parse_model_list(DEFAULT_MODELS_FAST)[0].model == "claude-haiku-5-5"
    assert parse_model_list(DEFAULT_MODELS_DEEP)[0].model == "claude-sonnet-5-5"


def test_sonnet_5_5_cache_reads_cost_ten_cents() -> None:
    usage = Usage(input_tokens=1_000_000, cached_tokens=1_000_000)

    assert PRICES.cost("anthropic:claude-sonnet-5-5", usage) == pytest.approx(0.10)


def test_haiku_5_5_bills_a_prompt_over_100k_tokens_at_the_long_prompt_rates() -> None:
    short = Usage(input_tokens=100_000, output_tokens=1_000, cached_tokens=50_000, cache_write_tokens=10_000)
    long = Usage(input_tokens=100_001, output_tokens=1_000, cached_tokens=50_000, cache_write_tokens=10_000)

    # 40k fresh x $0.10 + 50k cached x $0.01 + 10k written x $0.125 + 1k out x $0.50
    assert PRICES.cost("anthropic:claude-haiku-5-5", short) == pytest.approx(0.00625)
    # every token of the long request at five times that: $0.50, $0.05, $0.625 and $2.50 out
    assert PRICES.cost("anthropic:claude-haiku-5-5", long) == pytest.approx(0.0312505)


def test_each_request_of_a_turn_is_priced_in_its_own_tier() -> None:
    # Two 60k-token requests: together over the threshold, yet each is billed at the short-prompt rate
    requests = [("anthropic:claude-haiku-5-5", Usage(input_tokens=60_000))] * 2

    assert PRICES.costs_by_model(requests) == {"anthropic:claude-haiku-5-5": pytest.approx(0.012)}
    assert PRICES.cost("unknown:model", Usage(input_tokens=1_000_000)) == FALLBACK_PRICE.input


def test_long_prompt_tier_can_be_configured() -> None:
    table = PriceTable.from_config(
        '{"openai:local": {"input": 1, "output": 1, "long_prompt_tokens": 10, "long_prompt": {"input": 3, "output": 3}}}'
    )

    assert table.cost("openai:local", Usage(input_tokens=11)) == pytest.approx(33 / 1_000_000)


async def test_gpt_6_gets_function_calls_over_chat_completions_without_reasoning(
    fakes: dict[str, LLMFakeServer],
) -> None:
    fake = fakes["xai"]
    fake.script(Reply(text="Sessions were flat."), Reply(text="Sessions were flat."))
    request = ModelRequest(system="s", messages=[user_text("sessions?")], tools=[REPORT])

    await complete(make_model("openai", fake, model="gpt-6-luna"), request)
    await complete(make_model("xai", fake, model="grok-4.7"), request)

    luna, grok = (recorded.body for recorded in fake.requests)
    assert luna["reasoning_effort"] == "none" and "max_completion_tokens" in luna and "max_tokens" not in luna
    assert "reasoning_effort" not in grok


async def test_the_fake_refuses_gpt_6_tools_with_reasoning(fakes: dict[str, LLMFakeServer]) -> None:
    # gpt-6.1-sol accepts no reasoning_effort "none", so the tool loop cannot run on it over Chat Completions
    request = ModelRequest(system="s", messages=[user_text("sessions?")], tools=[REPORT])

    with pytest.raises(ModelError) as refused:
        await complete(make_model("openai", fakes["xai"], model="gpt-6.1-sol"), request)

    assert refused.value.kind is ErrorKind.BAD_REQUEST
