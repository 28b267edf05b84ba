"""The agent built for this process: its models, tools, prices and budget, and the handler that answers in Slack.

The handler is built on the first message, so `lookout serve` never imports the LLM SDKs, the tools or
matplotlib before it is ready; only the configured providers' SDKs are imported even then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.observe import tracing
from bot.platform.incoming import IncomingMessage

if TYPE_CHECKING:
    from bot.agent.answer import AgentMessageHandler
    from bot.agent.context import ToolContextProvider
    from bot.agent.loop import AgentLimits
    from bot.agent.turns import AgentService
    from bot.platform.services import Services
    from tools.context import ToolContext


def build_agent_service(services: Services, *, limits: AgentLimits | None = None) -> AgentService[ToolContext]:
    """The agent with this process's models, tools, prices and budget (shared by Slack and `lookout ask`)."""
    from bot.agent.cost import PriceTable
    from bot.agent.loop import DEFAULT_LIMITS
    from bot.agent.metrics import AgentMetrics
    from bot.agent.turns import AgentService
    from bot.llm.registry import ModelRegistry
    from tools.registry import default_registry

    settings = services.settings
    tools = default_registry()
    telemetry = tracing.current()
    if telemetry is not None:
        tools.tracer = telemetry.tracer
        tools.capture_content = telemetry.capture_content
    return AgentService(
        database=services.database,
        models=ModelRegistry(settings, metrics=services.metrics.gen_ai),
        tools=tools,
        prices=PriceTable.from_config(settings.lookout_model_prices),
        monthly_budget_usd=settings.lookout_monthly_budget_usd,
        metrics=AgentMetrics(services.metrics.registry),
        limits=limits or DEFAULT_LIMITS,
    )


def build_agent_handler(
    services: Services, *, contexts: ToolContextProvider | None = None, limits: AgentLimits | None = None
) -> AgentMessageHandler:
    from bot.agent.answer import AgentMessageHandler
    from bot.agent.context import GoogleToolContexts

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

    async def aclose(self) -> None:
        """Close the models' connection pools, if the agent was ever built (`lookout serve` on shutdown)."""
        if self._handler is not None:
            await self._handler.agent.models.aclose()
