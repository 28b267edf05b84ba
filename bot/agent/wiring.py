"""Hooks the agent into the app: the mention/DM handler on `Services`, and the buttons under answers.

The handler is built on the first message, so `lookout serve` never imports the LLM SDKs, the tools or
matplotlib before it is ready; only the configured providers' SDKs are imported even then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.incoming import IncomingMessage

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from bot.agent.context import ToolContextProvider
    from bot.agent.loop import AgentLimits
    from bot.agent.service import AgentService
    from bot.agent.slack import AgentMessageHandler
    from bot.services import Services
    from tools.context import ToolContext


def build_agent_service(services: Services, *, limits: AgentLimits | None = None) -> AgentService[ToolContext]:
    """The agent with this process's models, tools, prices and budget (shared by Slack and `lookout ask`)."""
    from bot.agent.cost import PriceTable
    from bot.agent.loop import DEFAULT_LIMITS
    from bot.agent.metrics import AgentMetrics
    from bot.agent.service import AgentService
    from bot.llm.registry import ModelRegistry
    from tools.registry import default_registry

    settings = services.settings
    return AgentService(
        database=services.database,
        models=ModelRegistry(settings),
        tools=default_registry(),
        prices=PriceTable.from_config(settings.lookout_model_prices),
        monthly_budget_usd=settings.lookout_monthly_budget_usd,
        metrics=AgentMetrics(services.metrics.registry),
        limits=limits or DEFAULT_LIMITS,
    )


def build_agent_handler(
    services: Services, *, contexts: ToolContextProvider | None = None, limits: AgentLimits | None = None
) -> AgentMessageHandler:
    from bot.agent.context import GoogleToolContexts
    from bot.agent.slack import AgentMessageHandler

    return AgentMessageHandler(
        agent=build_agent_service(services, limits=limits),
        contexts=contexts or GoogleToolContexts(services),
        clock=services.clock,
        services=services,
    )


class LazyAgentHandler:
    """A `MessageHandler` that builds the real one on first use."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._handler: AgentMessageHandler | None = None

    async def __call__(self, *, message: IncomingMessage, client: AsyncWebClient) -> None:
        if self._handler is None:
            self._handler = build_agent_handler(self._services)
        await self._handler(message=message, client=client)


def install_agent(services: Services) -> None:
    """Make the agent answer mentions and DMs (called from `bot.serve.build_services`).

    Without any model API key the agent could not answer, so the front door's default reply stays in place.
    """
    from bot.llm.registry import PROVIDERS, provider_configured

    if any(provider_configured(services.settings, provider) for provider in PROVIDERS):
        services.message_handler = LazyAgentHandler(services)


def register(app: AsyncApp, *, services: Services) -> None:
    """The listeners of the buttons under answers: feedback and follow-ups (called from `bot.app.register_listeners`)."""
    from bot.agent import feedback, followups

    feedback.register(app, services=services)
    followups.register(app, services=services)
