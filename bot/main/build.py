"""The composition root: the one place that knows every part and hands each what it needs.

`lookout serve`, `ask`, `digest`, `export`, `purge`, `demo` and the benchmarks build their process here: the
`Services` every feature shares (settings, database, token cipher, Slack and Google plumbing), the handler that
answers mentions (the agent, built on first use), and the bolt app with every listener. Features never import
this package; they receive what they need as arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config.settings import Settings
from bot.main.agent import LazyAgentHandler
from bot.observe import tracing
from bot.platform.services import Services
from storage.crypto import TokenCipher, load_or_create_key
from storage.db import Database
from tools.google.runtime import GoogleRuntime

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from bot.platform.incoming import MessageHandler
    from bot.slack.commands.router import CommandRouter


def build_services(settings: Settings, *, database: Database | None = None) -> Services:
    """The process's dependencies. Tests pass their own `database`; everything else comes from `settings`."""
    secret = settings.lookout_secret_key.get_secret_value() if settings.lookout_secret_key else None
    key = load_or_create_key(configured=secret, data_dir=settings.lookout_data_dir)
    database = database or Database(settings.database_url)
    # With tracing on (`bot.observe.tracing.start`, before this), the database and Google calls are spans too.
    telemetry = tracing.current()
    tracer = telemetry.tracer if telemetry is not None else None
    database.tracer = tracer
    return Services(
        settings=settings,
        database=database,
        cipher=TokenCipher(key),
        google_runtime=GoogleRuntime(timeout=settings.google_timeout_seconds, tracer=tracer),
    )


def message_handler(services: Services) -> MessageHandler:
    """What answers a mention or DM: the agent when a model API key is configured; without one it could not
    answer, so people are told what to set up instead."""
    from bot.llm.registry import PROVIDERS, provider_configured
    from bot.slack.listeners.replies import reply_connect_google_first

    if any(provider_configured(services.settings, provider) for provider in PROVIDERS):
        return LazyAgentHandler(services)
    return reply_connect_google_first


def build_bolt_app(
    services: Services, *, handler: MessageHandler | None = None, router: CommandRouter | None = None
) -> AsyncApp:
    """The slack-bolt app with every listener; `handler` and `router` replace the defaults (tests use them)."""
    from bot.slack.app import build_app

    return build_app(services=services, handler=handler or message_handler(services), router=router)
