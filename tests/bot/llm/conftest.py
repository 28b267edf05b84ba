"""The three fake model servers, and a factory for a real provider model pointed at each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from bot.fakes.anthropic import FakeAnthropic
from bot.fakes.gemini import FakeGemini
from bot.fakes.llm_script import LLMFakeServer
from bot.fakes.openai import FakeOpenAI
from bot.llm.base import ChatModel


@dataclass
class Provider:
    name: str
    fake: LLMFakeServer
    make: Callable[..., ChatModel]


@pytest.fixture
async def fakes() -> AsyncIterator[dict[str, LLMFakeServer]]:
    servers: dict[str, LLMFakeServer] = {"anthropic": FakeAnthropic(), "gemini": FakeGemini(), "xai": FakeOpenAI()}
    for server in servers.values():
        await server.start()
    yield servers
    for server in servers.values():
        await server.stop()


def make_model(provider: str, fake: LLMFakeServer, *, streaming: bool = True, model: str | None = None) -> ChatModel:
    if provider == "anthropic":
        from bot.llm.anthropic import AnthropicModel

        return AnthropicModel(model or "claude-haiku-4-5", api_key="test-key", base_url=fake.url, streaming=streaming)
    if provider == "gemini":
        from bot.llm.gemini import GeminiModel

        return GeminiModel(model or "gemini-2.5-flash", api_key="test-key", base_url=fake.url, streaming=streaming)
    from bot.llm.openai_compat import OpenAICompatModel

    return OpenAICompatModel(
        model or "grok-4-fast", provider=provider, api_key="test-key", base_url=fake.url, streaming=streaming
    )


@pytest.fixture(params=["anthropic", "gemini", "xai"])
def provider_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name
