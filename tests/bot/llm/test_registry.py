"""Model lists from the settings: order kept, only providers with a key, SDKs imported only when configured."""

from __future__ import annotations

import subprocess
import sys

from pydantic import SecretStr

from bot.config.settings import Settings
from bot.llm.registry import Depth, ModelRef, ModelRegistry, parse_model_list


def test_lists_keep_their_order_and_skip_unknown_providers() -> None:
    refs = parse_model_list(
        " anthropic:claude-haiku-4-5, mistral:large ,gemini:gemini-2.5-flash,xai:, openai:gpt-5-mini"
    )

    assert refs == [
        ModelRef("anthropic", "claude-haiku-4-5"),
        ModelRef("gemini", "gemini-2.5-flash"),
        ModelRef("openai", "gpt-5-mini"),
    ]


def test_only_providers_with_a_key_count() -> None:
    settings = Settings(
        _env_file=None,
        xai_api_key=SecretStr("xai-key"),
        gemini_api_key=SecretStr("g-key"),
        lookout_models_fast="anthropic:claude-haiku-4-5,gemini:gemini-2.5-flash,xai:grok-4-fast",
        lookout_models_deep="anthropic:claude-sonnet-4-5,xai:grok-4",
    )
    registry = ModelRegistry(settings)

    assert [model.name for model in registry.chain(Depth.FAST)] == ["gemini:gemini-2.5-flash", "xai:grok-4-fast"]
    assert [model.name for model in registry.chain(Depth.DEEP)] == ["xai:grok-4"]


def test_unconfigured_sdks_are_never_imported() -> None:
    code = (
        "import sys\n"
        "from pydantic import SecretStr\n"
        "from bot.config.settings import Settings\n"
        "from bot.llm.registry import ModelRegistry, Depth\n"
        "r = ModelRegistry(Settings(_env_file=None, xai_api_key=SecretStr('k')))\n"
        "r.chain(Depth.FAST); r.chain(Depth.DEEP)\n"
        "print(sorted(m for m in ('anthropic', 'google.genai', 'openai') if m in sys.modules))\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert output.strip() == "['openai']"
