"""The agent built for this process: its models, tools, prices and budget, and the handler that answers in Slack.

The handler is built on the first message, so `lookout serve` never imports the LLM SDKs, the tools or
matplotlib before it is ready; only the configured providers' SDKs are imported even then, and in a worker thread.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.observe import tracing
from bot.platform.incoming import IncomingMessage

if TYPE_CHECKING:
    from bot.agent.answer import AgentMessageHandler
    from bot.agent.context import ToolContextProvider
    from bot.agent.loop import AgentLimits
    from bot.agent.turns import AgentService
    from bot.config.settings import Settings
    from bot.platform.services import Services
    from tools.context import ToolContext

# What the first answer imports besides the providers' SDKs: the agent and its tools, with google-analytics-data.
_AGENT_MODULES = ("bot.agent.answer", "bot.agent.context", "tools.registry")


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


def import_agent_modules(settings: Settings) -> None:
    """Import what building the agent and its first answer need: ~0.5 s of CPU for the agent and its tools and ~2.5 s
    for anthropic's SDK (~3,000 modules), measured with getrusage."""
    from bot.llm.registry import provider_modules

    for name in (*_AGENT_MODULES, *provider_modules(settings)):
        importlib.import_module(name)


class LazyAgentHandler:
    """A `MessageHandler` that builds the real one on first use.

    The first message imports the agent, its tools and the providers' SDKs in a worker thread and waits for them:
    imported on the event loop's thread they held up every other request for seconds, acks included (Slack wants
    one within 3 s). They are not imported before: a replica's memory grows by them (~70 MB) only once it answers.
    """

    def __init__(self, services: Services) -> None:
        self._services = services
        self._handler: AgentMessageHandler | None = None
        self._importing: asyncio.Future[None] | None = None

    async def __call__(self, *, message: IncomingMessage, client: AsyncWebClient) -> None:
        if self._handler is None:
            await self.prepare()
            if self._handler is None:  # another message may have built it while this one waited
                self._handler = build_agent_handler(self._services)
        await self._handler(message=message, client=client)

    async def prepare(self) -> None:
        """Import what the agent needs in a worker thread, once for every message that arrives while it runs (a
        failed import is tried again by the next message)."""
        if self._importing is None:
            self._importing = asyncio.ensure_future(asyncio.to_thread(import_agent_modules, self._services.settings))
        try:
            await asyncio.shield(self._importing)
        except Exception:
            self._importing = None
            raise

    async def aclose(self) -> None:
        """Close the models' connection pools, if the agent was ever built (`lookout serve` on shutdown)."""
        if self._handler is not None:
            await self._handler.agent.models.aclose()
