"""The agent's fixtures (model fakes, the Google fake) for the composition root's end-to-end tests."""

from __future__ import annotations

from tests.bot.agent.test_slack_answers import dataset, google
from tests.bot.llm.conftest import fakes, provider_name

__all__ = ["dataset", "fakes", "google", "provider_name"]
