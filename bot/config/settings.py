"""The one settings object: every environment variable of INTERFACE.md, read once in the entry point."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Current generally-available models, checked 2026-11-21 against each provider's model and deprecation pages (the
# sources are listed with the prices in bot/agent/cost.py). Gemini has no GA Pro model: Google names
# gemini-3.8-flash as the replacement for gemini-2.5-pro, which shuts down on 2026-12-01.
DEFAULT_MODELS_FAST = "anthropic:claude-haiku-5-5,gemini:gemini-3.5-flash-lite,xai:grok-4.3,openai:gpt-6-luna"
DEFAULT_MODELS_DEEP = "anthropic:claude-sonnet-5-5,gemini:gemini-3.8-flash,xai:grok-4.7,openai:gpt-6-sol"


class SlackMode(StrEnum):
    SINGLE_WORKSPACE = "single-workspace"
    MULTI_WORKSPACE = "multi-workspace"


class EventLoop(StrEnum):
    """The event loop `lookout serve` runs on (`bot.main.event_loop`)."""

    UVLOOP = "uvloop"
    ASYNCIO = "asyncio"


class SettingsProblem(ValueError):
    """The configuration cannot run the chosen mode; the message lists what to set."""


class Settings(BaseSettings):
    """Configuration of one Lookout process. Build it once with `Settings()` and pass it down."""

    # A blank value (`SLACK_CLIENT_ID=` in a copied .env template) means "not set", from any source: the environment
    # and the .env file are skipped by `env_ignore_empty`, arguments and whitespace-only values by `_blank_is_unset`.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    database_url: str = "sqlite:///data/lookout.db"
    # At start, how long to keep retrying (with backoff) a database that does not answer yet, e.g. PostgreSQL still
    # starting beside Lookout; 0 reports it at once and exits non-zero.
    lookout_database_wait_seconds: float = 0.0
    lookout_secret_key: SecretStr | None = None
    lookout_data_dir: Path = Path("data")
    port: int = 3000
    public_url: str | None = None
    log_level: str = "INFO"

    slack_signing_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_authorize_url: str = "https://slack.com/oauth/v2/authorize"

    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_auth_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    google_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    ga4_data_api_url: str = "https://analyticsdata.googleapis.com"
    ga4_admin_api_url: str = "https://analyticsadmin.googleapis.com"
    search_console_api_url: str = "https://searchconsole.googleapis.com"
    # The longest one Google request (token refresh, a GA4 report, a Search Console query) may hold up an answer;
    # past it the person hears "Google didn't answer, try again" instead of waiting.
    google_timeout_seconds: float = Field(default=20.0, gt=0)
    # How many workspaces' Google SDK clients are kept built (least recently used go first): a few hundred KB each.
    lookout_google_clients_kept: int = Field(default=200, ge=1)

    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    gemini_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GEMINI_API_KEY", "GOOGLE_API_KEY")
    )
    google_gemini_base_url: str | None = None
    xai_api_key: SecretStr | None = None
    xai_base_url: str = "https://api.x.ai/v1"
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    lookout_models_fast: str = DEFAULT_MODELS_FAST
    lookout_models_deep: str = DEFAULT_MODELS_DEEP

    # Cost control: USD per workspace per calendar month; 0 disables the budget.
    lookout_monthly_budget_usd: float = 50.0
    # Optional JSON object {"provider:model": {"input": usd_per_mtok, "output": ..., "cached_input": ...}}
    # that overrides or extends the built-in price table.
    lookout_model_prices: str | None = None

    # Single-workspace mode: the Slack user id of the person who installed the app. Like the installer recorded by
    # "Add to Slack" in multi-workspace mode, they are a Lookout manager from the start.
    lookout_installer_user_id: str | None = None

    # How long conversation text and tool results are kept (days), and model usage counts (calendar months,
    # the current one included); the leader purges older rows once a day.
    lookout_retention_text_days: int = Field(default=90, ge=1)
    lookout_retention_usage_months: int = Field(default=13, ge=1)

    # When set, `GET /metrics` answers only requests carrying `Authorization: Bearer <this token>`.
    lookout_metrics_token: SecretStr | None = None

    # OpenTelemetry (off by default; docs/deployment.md). The standard variables: an OTLP endpoint (HTTP/protobuf,
    # e.g. http://collector:4318) turns traces and metrics on; an exporter name (otlp, console, none) picks one per
    # signal; OTEL_SDK_DISABLED=true turns everything off. Prompts, answers and tool payloads go on spans only with
    # OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true.
    otel_sdk_disabled: bool = False
    otel_exporter_otlp_endpoint: str | None = None
    otel_exporter_otlp_headers: SecretStr | None = None
    otel_traces_exporter: str | None = None
    otel_metrics_exporter: str | None = None
    otel_service_name: str = "lookout"
    otel_instrumentation_genai_capture_message_content: bool = False

    # The scheduler can be switched off on replicas that should only answer events.
    lookout_scheduler_enabled: bool = True
    # Leadership lease: a dead leader is replaced within this plus a quarter of it (renewal interval).
    lookout_scheduler_lease_seconds: float = 20.0
    # Digests due at the same minute are spread over this many seconds (a stable offset per subscription).
    lookout_digest_spread_seconds: float = 60.0
    # A scheduled post claimed this long ago and still not posted is presumed abandoned (its replica died) and is
    # taken over, after checking the channel for it. Keep it above the longest time one digest takes to build.
    lookout_scheduler_claim_stale_seconds: float = 60.0
    # How often the leader sweeps for digests due today and not posted (missed, failed, or abandoned by a dead leader).
    lookout_digest_catch_up_seconds: float = 30.0
    # A roll-up digest (agencies) reads at most this many GA4 properties, then says how many more it left out.
    lookout_rollup_max_properties: int = Field(default=25, ge=1, le=100)
    # Digests one process builds and posts at once; the others wait their turn in due order, so a morning run of
    # thousands cannot crowd the event loop that acks Slack (each digest in flight costs it CPU for Google's answers,
    # the database and Slack). Enough to keep up with 1,000 digests a minute when Google answers in ~150 ms.
    lookout_digest_concurrency: int = Field(default=32, ge=1)
    # Processes that draw charts and score digests' series (anomaly detection), off the event loop that acks Slack.
    # One suits a two-core host: the event loop keeps a core, the worker gets the other.
    lookout_cpu_workers: int = Field(default=1, ge=1, le=64)
    # The event loop `lookout serve` runs on: uvloop (libuv) does the same work in fewer instructions than asyncio's
    # own loop (`bot.main.event_loop`); "asyncio" is the way back should a library ever misbehave on uvloop.
    lookout_event_loop: EventLoop = EventLoop.UVLOOP
    # On SIGTERM: how long in-flight handlers and scheduled runs may take to finish before the process exits.
    # Keep it below the orchestrator's kill deadline (Kubernetes terminationGracePeriodSeconds minus preStop).
    lookout_shutdown_grace_seconds: float = 25.0

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        # Otherwise an empty secret counts as set (`SecretStr("")` is not None) and the mode checks contradict
        # each other; a blank number or URL would fail validation instead of taking its default.
        if isinstance(values, dict):
            return {key: value for key, value in values.items() if not _blank(value)}
        return values

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url_ends_with_slash(cls, value: str) -> str:
        # slack_sdk joins the method name onto the base URL verbatim.
        return value if value.endswith("/") else value + "/"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://localhost:{self.port}").rstrip("/")

    @property
    def google_redirect_uri(self) -> str:
        return f"{self.base_url}/google/oauth/callback"

    @property
    def slack_mode(self) -> SlackMode | None:
        if self.slack_bot_token is not None:
            return SlackMode.SINGLE_WORKSPACE
        if self.slack_client_id and self.slack_client_secret is not None:
            return SlackMode.MULTI_WORKSPACE
        return None

    @property
    def slack_sign_in_configured(self) -> bool:
        """Sign in with Slack (which binds a Google consent link to its person) needs the app's client pair; in
        single-workspace mode it is optional beside SLACK_BOT_TOKEN."""
        return bool(self.slack_client_id) and self.slack_client_secret is not None

    @property
    def slack_openid_authorize_url(self) -> str:
        """Slack's Sign in with Slack page, the sibling of SLACK_AUTHORIZE_URL (`…/openid/connect/authorize`)."""
        parts = urlsplit(self.slack_authorize_url)
        path = parts.path
        suffix = "oauth/v2/authorize"
        base = path[: -len(suffix)] if path.endswith(suffix) else "/"
        return urlunsplit((parts.scheme, parts.netloc, base + "openid/connect/authorize", "", ""))

    @property
    def slack_openid_issuer(self) -> str:
        """The `iss` of Slack's id_tokens: the origin of SLACK_AUTHORIZE_URL (`https://slack.com`)."""
        parts = urlsplit(self.slack_authorize_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def slack_openid_redirect_uri(self) -> str:
        return f"{self.base_url}/slack/openid/callback"

    @property
    def google_configured(self) -> bool:
        return bool(self.google_client_id) and self.google_client_secret is not None

    def problems(self, *, socket_mode: bool = False) -> list[str]:
        """What is missing or contradictory for serving in the chosen mode; empty when all is well."""
        problems: list[str] = []
        # With SLACK_BOT_TOKEN the client pair is optional: it only enables Sign in with Slack (consent links).
        client_partial = bool(self.slack_client_id) != (self.slack_client_secret is not None)
        if client_partial and self.slack_bot_token is not None:
            problems.append("Sign in with Slack needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
        elif client_partial:
            problems.append("Multi-workspace mode needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
        elif self.slack_mode is None:
            problems.append(
                "Set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET (many workspaces)."
            )
        if socket_mode:
            if self.slack_app_token is None:
                problems.append("Socket Mode needs SLACK_APP_TOKEN (an xapp- token with connections:write).")
            if self.slack_mode is SlackMode.MULTI_WORKSPACE:
                problems.append("Socket Mode serves one workspace: use SLACK_BOT_TOKEN, or run in HTTP mode.")
        elif self.slack_signing_secret is None:
            problems.append("HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → App Credentials).")
        if bool(self.google_client_id) != (self.google_client_secret is not None):
            problems.append("Google sign-in needs both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET.")
        return problems


def _blank(value: object) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return isinstance(value, str) and not value.strip()
