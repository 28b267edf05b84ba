"""The fake's prompt cache follows Anthropic's documented rules, and the bot's requests hit it where they should:
the tool loop's next step re-reads everything before, a new question re-reads the tools and the system prompt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.agent.cost import PriceTable
from bot.agent.loop import Agent
from bot.agent.prompt import RULES, PromptFacts, system_prompt
from bot.fakes.anthropic import FakeAnthropic
from bot.fakes.llm_script import Reply, ScriptedToolCall
from bot.fakes.prompt_cache import PromptCache
from bot.llm.anthropic import AnthropicModel
from bot.llm.fallback import FallbackModel
from tests.bot.agent.conftest import LoopContext, registry

WEEK = {"metric": "sessions", "start_date": "2026-11-16", "end_date": "2026-11-18"}
SYSTEM = "You are Lookout, an analytics assistant. " * 40


def tokens_of_text(text: str) -> int:
    return len(text.split()) or 1


def text_block(text: str, *, mark: bool = False) -> dict[str, Any]:
    return {"type": "text", "text": text, **({"cache_control": {"type": "ephemeral"}} if mark else {})}


def test_a_prefix_is_written_at_a_breakpoint_then_read_by_the_next_request() -> None:
    cache = PromptCache(min_tokens=10, count=tokens_of_text)
    tools = [{"name": "t", "description": "word " * 30, "input_schema": {"type": "object"}}]
    first = {"model": "m", "tools": tools, "system": [text_block("rules " * 20, mark=True)], "messages": []}
    first["messages"] = [{"role": "user", "content": [text_block("how many sessions?", mark=True)]}]

    written = cache.usage(first)
    again = cache.usage(first)

    assert written.read == 0 and written.written == written.total and written.fresh == 0
    assert again.read == again.total and again.written == 0


def test_nothing_is_cached_without_a_breakpoint_or_below_the_minimum() -> None:
    cache = PromptCache(min_tokens=10_000, count=tokens_of_text)
    body = {"model": "m", "system": [text_block("rules " * 20, mark=True)], "messages": []}
    assert cache.usage(body).written == 0 and cache.usage(body).read == 0
    cache = PromptCache(min_tokens=1, count=tokens_of_text)
    plain = {"model": "m", "system": "rules " * 20, "messages": [{"role": "user", "content": "hi"}]}
    assert cache.usage(plain).written == 0 and cache.usage(plain).read == 0


def test_a_change_before_the_breakpoint_misses_and_the_cache_is_per_model() -> None:
    cache = PromptCache(min_tokens=1, count=tokens_of_text)
    body = {"model": "m", "system": [text_block("Today is Monday. " + "rules " * 20, mark=True)], "messages": []}
    cache.usage(body)
    changed = {**body, "system": [text_block("Today is Tuesday. " + "rules " * 20, mark=True)]}
    assert cache.usage(changed).read == 0
    assert cache.usage({**body, "model": "other"}).read == 0


@pytest.fixture
async def claude() -> AsyncIterator[tuple[FakeAnthropic, AnthropicModel]]:
    fake = FakeAnthropic(prompt_cache=PromptCache(min_tokens=200))
    await fake.start()
    model = AnthropicModel("claude-haiku-4-5", api_key="test-key", base_url=fake.url)
    yield fake, model
    await model.aclose()
    await fake.stop()


async def test_the_tool_loop_reads_its_prefix_back_and_a_new_question_reads_tools_and_system(
    claude: tuple[FakeAnthropic, AnthropicModel],
) -> None:
    fake, model = claude
    agent = Agent(model=FallbackModel([model]), tools=registry())
    fake.script(
        Reply(tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)),
        Reply(text="Sessions peaked at 4,402 on Nov 18."),
        Reply(text="No tool needed."),
    )

    turn = await agent.run("sessions this week?", system=SYSTEM, context=LoopContext())
    other = await agent.run("and what is a session?", system=SYSTEM, context=LoopContext())

    first, second = turn.request_usages
    # Step one writes tools + system + question; step two reads all of it and writes only the new turn.
    assert first[1].cached_tokens == 0 and first[1].cache_write_tokens > 0
    assert second[1].cached_tokens == first[1].cache_write_tokens
    assert 0 < second[1].cache_write_tokens < second[1].cached_tokens
    # A new question in another thread reads the tools and the system prompt from the cache.
    [(_, fresh_question)] = other.request_usages
    assert fake.prompt_cache is not None
    assert fresh_question.cached_tokens >= fake.prompt_cache.count(SYSTEM)
    assert fresh_question.cached_tokens < first[1].cache_write_tokens
    # Cache reads are priced at the cached rate: the second step costs less than its size at the full input price.
    prices = PriceTable.from_config(None)
    full = prices.price("anthropic:claude-haiku-4-5").input * second[1].input_tokens / 1_000_000
    assert prices.cost("anthropic:claude-haiku-4-5", second[1].model_copy(update={"output_tokens": 0})) < full


async def test_another_workspace_on_another_day_still_reads_the_tools_and_the_rules(
    claude: tuple[FakeAnthropic, AnthropicModel],
) -> None:
    fake, model = claude
    agent = Agent(model=FallbackModel([model]), tools=registry())
    fake.script(Reply(text="Hello."), Reply(text="Hello again."))
    monday = PromptFacts(now=datetime(2026, 11, 16, 9, tzinfo=UTC), property_id="111", property_name="Acme")
    tuesday = PromptFacts(now=datetime(2026, 11, 17, 9, tzinfo=UTC), property_id="222", property_name="Globex")

    first = await agent.run("hi", system=system_prompt(monday), context=LoopContext())
    second = await agent.run("hi", system=system_prompt(tuesday), context=LoopContext())

    [(_, written)] = first.request_usages
    [(_, read)] = second.request_usages
    assert written.cached_tokens == 0
    tools_and_rules = fake.requests[0].body["tools"], fake.requests[0].body["system"][0]
    assert fake.requests[1].body["system"][0] == tools_and_rules[1]  # the stable block, byte for byte
    assert fake.prompt_cache is not None
    assert read.cached_tokens >= fake.prompt_cache.count(RULES)
    assert read.cached_tokens < written.cache_write_tokens  # the day and the property are read fresh
