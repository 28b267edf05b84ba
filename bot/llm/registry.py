"""Turns `provider:model` lists from the settings into chat models, importing only the SDKs that are configured."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import SecretStr

from bot.config.settings import Settings
from bot.llm.base import ChatModel
from bot.llm.telemetry import InstrumentedModel
from bot.observe.genai import GenAiMetrics

log = logging.getLogger(__name__)

# Each provider's API key (None when not configured) and base URL in the settings, and the key's variable name.
_ACCESS: dict[str, Callable[[Settings], tuple[SecretStr | None, str | None]]] = {
    "anthropic": lambda settings: (settings.anthropic_api_key, settings.anthropic_base_url),
    "gemini": lambda settings: (settings.gemini_api_key, settings.google_gemini_base_url),
    "xai": lambda settings: (settings.xai_api_key, settings.xai_base_url),
    "openai": lambda settings: (settings.openai_api_key, settings.openai_base_url),
}
KEY_VARIABLES: dict[str, str] = {
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "xai": "XAI_API_KEY",
    "openai": "OPENAI_API_KEY",
}
PROVIDERS = tuple(_ACCESS)
# Where an admin fixes each provider's key (the settings' environment variables).
API_KEY_VARIABLES = {
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "xai": "XAI_API_KEY",
    "openai": "OPENAI_API_KEY",
}


class Depth(StrEnum):
    FAST = "fast"
    DEEP = "deep"


@dataclass(frozen=True)
class ModelRef:
    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


def parse_model_list(text: str) -> list[ModelRef]:
    """`"anthropic:claude-haiku-4-5, gemini:gemini-2.5-flash"` → refs in order; unknown providers are skipped."""
    refs: list[ModelRef] = []
    for item in text.split(","):
        provider, _, model = item.strip().partition(":")
        provider = provider.strip().lower()
        if not model.strip():
            continue
        if provider not in PROVIDERS:
            log.warning("ignoring model %r: unknown provider (use one of %s)", item.strip(), ", ".join(PROVIDERS))
            continue
        refs.append(ModelRef(provider, model.strip()))
    return refs


def provider_access(settings: Settings, provider: str) -> tuple[SecretStr | None, str | None]:
    """The provider's API key (None when not configured) and base URL (None for the SDK's default)."""
    return _ACCESS[provider](settings)


def provider_configured(settings: Settings, provider: str) -> bool:
    return provider in _ACCESS and _ACCESS[provider](settings)[0] is not None


def build_model(settings: Settings, ref: ModelRef) -> ChatModel:
    """One chat model; the provider's SDK is imported here, on first use, never at start-up."""
    key, base_url = _ACCESS[ref.provider](settings) if ref.provider in _ACCESS else (None, None)
    if key is None:
        raise ValueError(f"provider {ref.provider} is not configured")
    if ref.provider == "anthropic":
        from bot.llm.anthropic import AnthropicModel

        return AnthropicModel(ref.model, api_key=key.get_secret_value(), base_url=base_url)
    if ref.provider == "gemini":
        from bot.llm.gemini import GeminiModel

        return GeminiModel(ref.model, api_key=key.get_secret_value(), base_url=base_url)
    from bot.llm.openai_compat import OpenAICompatModel

    return OpenAICompatModel(ref.model, provider=ref.provider, api_key=key.get_secret_value(), base_url=base_url)


def provider_modules(settings: Settings) -> list[str]:
    """The modules `build_model` imports for the configured models (each provider's SDK comes with its module)."""
    refs = [*parse_model_list(settings.lookout_models_fast), *parse_model_list(settings.lookout_models_deep)]
    providers = {ref.provider for ref in refs if provider_configured(settings, ref.provider)}
    modules = {_PROVIDER_MODULES.get(provider, "bot.llm.openai_compat") for provider in providers}
    return sorted(modules)


_PROVIDER_MODULES = {"anthropic": "bot.llm.anthropic", "gemini": "bot.llm.gemini"}  # the others speak OpenAI's API


class ModelRegistry:
    """The configured model chains, built once per process and reused (clients keep their connection pools).

    Every model is wrapped in `InstrumentedModel`: a span per request when tracing is on, and the GenAI metrics on
    `metrics` (the app's Prometheus registry) when given.
    """

    def __init__(self, settings: Settings, *, metrics: GenAiMetrics | None = None) -> None:
        self._settings = settings
        self._metrics = metrics
        self._models: dict[str, ChatModel] = {}

    def refs(self, depth: Depth) -> list[ModelRef]:
        text = self._settings.lookout_models_deep if depth is Depth.DEEP else self._settings.lookout_models_fast
        return [ref for ref in parse_model_list(text) if provider_configured(self._settings, ref.provider)]

    def chain(self, depth: Depth) -> list[ChatModel]:
        """The models to try, in order, for this depth. Empty when no provider has a key."""
        models = []
        for ref in self.refs(depth):
            key = str(ref)
            if key not in self._models:
                self._models[key] = InstrumentedModel(build_model(self._settings, ref), metrics=self._metrics)
            models.append(self._models[key])
        return models

    async def aclose(self) -> None:
        for model in self._models.values():
            close = getattr(model, "aclose", None)
            if close is not None:
                await close()
        self._models.clear()
