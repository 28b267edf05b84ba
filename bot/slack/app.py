"""The slack-bolt AsyncApp: authorization for the configured mode, our clients, and every listener."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from bot.agent import feedback, followups
from bot.config.settings import SettingsProblem, SlackMode
from bot.platform.incoming import MessageHandler
from bot.platform.services import Services
from bot.platform.slack.clients import TOKEN_ROTATION_MINUTES, installation_store, make_web_client, token_rotator
from bot.platform.slack.installation_store import DatabaseOAuthStateStore
from bot.slack.access_middleware import AccessMiddleware
from bot.slack.actions import alerts as alert_actions
from bot.slack.actions import google as google_actions
from bot.slack.actions import notes as note_actions
from bot.slack.actions import rules as rule_actions
from bot.slack.commands.router import CommandRouter
from bot.slack.listeners import assistant, commands, fallbacks, lifecycle, messages
from bot.slack.surface import BOT_SCOPES
from bot.slack.views import home, rule_modal, subscription_buttons, subscription_submit
from bot.slack.views import managers as access_home
from bot.slack.views.click_context import ClickContext

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

_bolt_logger = logging.getLogger("slack_bolt")

# Every HTTP request reaches bolt through `/slack/events` (`bot.slack.web`), which checks Slack's signature on the raw
# bytes before anything is parsed (`bot.slack.intake.verify`). bolt's own check would compute the same HMAC a second
# time on every request, so it is off; Socket Mode requests come over Slack's authenticated socket and bolt never
# checked those. A new route into `async_dispatch` must call `intake.verify` first.

# bolt middleware whose products no listener of ours uses, which would otherwise run on every request:
# - conversation kwargs: `say`, `set_status`, `say_stream`, `set_title`, thread context for assistant events, built as
#   objects for every event (our listeners take the request or event and post through `bot.platform.slack`);
# - the function token: swaps in a workflow function's token for `function_executed` requests; Lookout defines no
#   functions, so no request of ours carries one.
# Together ~5% of an ack's CPU (`lookout bench ack`). Both apps below turn them off.


def build_app(*, services: Services, handler: MessageHandler, router: CommandRouter | None = None) -> AsyncApp:
    """The bolt app for the configured mode (single- or multi-workspace), with every listener registered.

    `handler` answers mentions, DMs and the follow-up buttons (the agent, or the "connect Google first" reply when
    no model is configured: `bot.main.build.message_handler`). `router` replaces the `/lookout` table built from `bot.slack.commands.router.AREA_MODULES` (tests use it).
    """
    settings = services.settings
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    mode = settings.slack_mode
    if mode is SlackMode.SINGLE_WORKSPACE:
        assert settings.slack_bot_token is not None
        app = AsyncApp(
            name="lookout",
            logger=_bolt_logger,
            signing_secret=signing_secret,
            request_verification_enabled=False,  # verified once, by `bot.slack.intake` (see above)
            client=make_web_client(services=services, token=settings.slack_bot_token.get_secret_value()),
            attaching_conversation_kwargs_enabled=False,  # unused (see above)
            attaching_function_token_enabled=False,
        )
    elif mode is SlackMode.MULTI_WORKSPACE:
        app = _multi_workspace_app(services=services, signing_secret=signing_secret)
    else:
        raise SettingsProblem("\n".join(f"- {problem}" for problem in settings.problems()))
    register_listeners(app, services=services, handler=handler, router=router)
    return app


def _multi_workspace_app(*, services: Services, signing_secret: str) -> AsyncApp:
    settings = services.settings
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    client_secret = settings.slack_client_secret.get_secret_value()
    client = make_web_client(services=services)
    store = installation_store(services)
    # Our own authorize so auth.test answers are cached per token (a rotated token is a new key) and only bot
    # installations are looked up; token rotation happens here before any listener sees the token.
    authorize = AsyncInstallationStoreAuthorize(
        logger=_bolt_logger,
        installation_store=store,
        client_id=settings.slack_client_id,
        client_secret=client_secret,
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    # Single-flight rotation: replicas refreshing one workspace's token together would spend its refresh token twice.
    authorize.token_rotator = token_rotator(services)
    oauth_settings = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=store,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        state_store=DatabaseOAuthStateStore(database=services.database, clock=services.clock),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=f"{settings.base_url}{REDIRECT_PATH}",
        authorization_url=settings.slack_authorize_url,
        install_page_rendering_enabled=False,
    )
    return AsyncApp(
        name="lookout",
        logger=_bolt_logger,
        signing_secret=signing_secret,
        request_verification_enabled=False,  # verified once, by `bot.slack.intake` (see above)
        client=client,
        authorize=authorize,  # type: ignore[arg-type]  # bolt takes an AsyncAuthorize instance as is
        installation_store=store,
        installation_store_bot_only=True,
        oauth_settings=oauth_settings,
        attaching_conversation_kwargs_enabled=False,  # unused (see above)
        attaching_function_token_enabled=False,
    )


def register_listeners(
    app: AsyncApp, *, services: Services, handler: MessageHandler, router: CommandRouter | None = None
) -> None:
    # Every button and modal submission passes the role check first (the router checks slash commands).
    app.middleware(AccessMiddleware(services=services))
    # Mentions and DMs are queued and acked by a middleware, before any listener is tried (`messages.MessageIntake`).
    messages.register(app, services=services, handler=handler)
    commands.register(app, services=services, router=router)
    home.register(app, services=services)
    lifecycle.register(app, services=services)
    assistant.register(app, services=services)
    google_actions.register(app, services=services)
    alert_actions.register(app, services=services, handler=handler)
    note_actions.register(app, services=services)
    rule_actions.register(app, services=services)
    access_home.register(app, services=services, publish_home=home.publish_home)
    clicks = ClickContext(services=services, publish_home=home.publish_home)
    subscription_buttons.register(app, clicks=clicks)
    subscription_submit.register(app, clicks=clicks)
    rule_modal.register(app, clicks=clicks)
    # The buttons under answers.
    feedback.register(app, services=services)
    followups.register(app, services=services, handler=handler)
    # Last: it acks whatever the listeners above did not take (bolt tries listeners in registration order).
    fallbacks.register(app, services=services)
