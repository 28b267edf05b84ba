"""`lookout doctor`: one line per check, each credential proved with a real (free) call, never a secret printed."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config.settings import Settings
from bot.fakes.anthropic import FakeAnthropic
from bot.fakes.gemini import FakeGemini
from bot.fakes.openai import FakeOpenAI
from bot.fakes.slack_api import FakeSlack
from bot.main.doctor import doctor
from storage.db import Database
from tests.helpers.app_harness import settings_for_tests
from tools.fakes.google_auth import FakeGoogleAuth

KEYS = {
    "anthropic": "sk-ant-api03-good-key-123456",
    "gemini": "AIzaSyGoodKey_1234567890abcdefghij",
    "xai": "xai-good-key-1234567890",
    "openai": "sk-proj-good-key-1234567890",
}


@dataclass
class Providers:
    anthropic: FakeAnthropic
    gemini: FakeGemini
    xai: FakeOpenAI
    openai: FakeOpenAI
    google: FakeGoogleAuth

    def settings(self, **keys: str) -> dict[str, Any]:
        """Settings for every provider, with the good keys unless `keys` names another."""
        chosen = {**KEYS, **keys}
        return {
            "anthropic_api_key": chosen["anthropic"],
            "anthropic_base_url": self.anthropic.url,
            "gemini_api_key": chosen["gemini"],
            "google_gemini_base_url": self.gemini.url,
            "xai_api_key": chosen["xai"],
            "xai_base_url": self.xai.url,
            "openai_api_key": chosen["openai"],
            "openai_base_url": self.openai.url,
            **self.google.settings_overrides(),
        }


@pytest.fixture
async def providers() -> AsyncIterator[Providers]:
    async with (
        FakeAnthropic(api_key=KEYS["anthropic"]) as anthropic,
        FakeGemini(api_key=KEYS["gemini"]) as gemini,
        FakeOpenAI(api_key=KEYS["xai"], xai=True) as xai,
        FakeOpenAI(api_key=KEYS["openai"]) as openai,
        FakeGoogleAuth() as google,
    ):
        yield Providers(anthropic=anthropic, gemini=gemini, xai=xai, openai=openai, google=google)


async def run(settings: Settings) -> tuple[int, str]:
    out = io.StringIO()
    code = await doctor(settings=settings, out=out)
    return code, out.getvalue()


def line(output: str, name: str) -> str:
    found = [text for text in output.splitlines() if text[7:].startswith(name + ":")]
    assert len(found) == 1, output
    return found[0]


async def test_a_good_setup_proves_every_credential_without_printing_secrets(
    fake_slack: FakeSlack, database: Database, tmp_path: Path, providers: Providers
) -> None:
    settings = settings_for_tests(
        slack=fake_slack,
        database_url=database.url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        slack_app_token=fake_slack.app_token,
        **providers.settings(),
    )

    code, output = await run(settings)

    assert code == 0, output
    assert "[  ok] configuration: single-workspace mode" in output
    assert "[  ok] Slack bot token: authenticated in Lookout Test (T0LOOKOUT)" in output
    assert line(output, "Slack app token").startswith("[  ok]")
    assert line(output, "Slack signing secret").startswith("[skip]")
    assert "[  ok] database:" in output
    assert line(output, "Google OAuth client").startswith("[  ok]")
    for provider in KEYS:
        assert line(output, f"{provider} API key").startswith("[  ok]"), output
    # The checks were made, and made with the configured credentials (the fakes refuse any other).
    assert [exchange.error for exchange in providers.google.exchanges] == ["invalid_grant"]
    assert all(
        fake.key_checks == 1 for fake in (providers.anthropic, providers.gemini, providers.xai, providers.openai)
    )
    for secret in (
        fake_slack.workspace.bot_token,
        fake_slack.app_token,
        providers.google.client_secret,
        *KEYS.values(),
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        settings.lookout_secret_key.get_secret_value() if settings.lookout_secret_key else "",
    ):
        assert secret not in output


async def test_each_wrong_credential_fails_and_names_the_variable_to_fix(
    fake_slack: FakeSlack, database: Database, tmp_path: Path, providers: Providers
) -> None:
    overrides = providers.settings(
        anthropic="sk-ant-api03-revoked-000000", gemini="AIzaSyWrong", xai="xai-wrong-000000", openai="sk-wrong-0000"
    )
    overrides["google_client_secret"] = "GOCSPX-not-the-secret"
    settings = settings_for_tests(
        slack=fake_slack,
        database_url=database.url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        slack_bot_token="xoxb-not-a-real-token",
        slack_app_token="xapp-1-not-the-app-token",
        **overrides,
    )

    code, output = await run(settings)

    assert code == 1
    expectations = {
        "Slack bot token": ("SLACK_BOT_TOKEN refused (invalid_auth)", "OAuth & Permissions"),
        "Slack app token": ("SLACK_APP_TOKEN refused (invalid_auth)", "App-Level Tokens"),
        "Google OAuth client": ("GOOGLE_CLIENT_ID/SECRET refused (invalid_client)", "Credentials"),
        "anthropic API key": ("ANTHROPIC_API_KEY refused (HTTP 401, authentication_error)", "console.anthropic.com"),
        "gemini API key": ("GEMINI_API_KEY refused (HTTP 400, API_KEY_INVALID)", "aistudio.google.com"),
        "xai API key": ("XAI_API_KEY refused (HTTP 400", "console.x.ai"),
        "openai API key": ("OPENAI_API_KEY refused (HTTP 401, invalid_api_key)", "OPENAI_BASE_URL"),
    }
    for name, (reason, where) in expectations.items():
        text = line(output, name)
        assert text.startswith("[FAIL]"), text
        assert reason in text and where in text, text
    for secret in ("xoxb-not-a-real-token", "xapp-1-not-the-app-token", "GOCSPX-not-the-secret", "AIzaSyWrong"):
        assert secret not in output


@pytest.mark.parametrize(
    ("client_id", "client_secret", "expected"),
    [
        (None, None, "[  ok] Slack OAuth client: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET accepted"),
        ("9999.0000", None, "[FAIL] Slack OAuth client: SLACK_CLIENT_ID refused (invalid_client_id)"),
        (None, "not-the-secret", "[FAIL] Slack OAuth client: SLACK_CLIENT_SECRET refused (bad_client_secret)"),
    ],
)
async def test_the_slack_oauth_client_is_checked_in_multi_workspace_mode(
    fake_slack: FakeSlack, tmp_path: Path, client_id: str | None, client_secret: str | None, expected: str
) -> None:
    settings = settings_for_tests(
        slack=fake_slack,
        database_url=f"sqlite:///{tmp_path}/lookout.db",
        data_dir=tmp_path,
        mode="multi",
        slack_client_id=client_id or fake_slack.client_id,
        slack_client_secret=client_secret or fake_slack.client_secret,
    )

    _, output = await run(settings)

    assert expected in output
    assert fake_slack.ok_calls_to("oauth.v2.access") == []  # nothing was installed


async def test_a_provider_that_cannot_be_asked_is_a_warning_not_a_verdict(
    fake_slack: FakeSlack, tmp_path: Path, providers: Providers
) -> None:
    settings = settings_for_tests(
        slack=fake_slack,
        database_url=f"sqlite:///{tmp_path}/lookout.db",
        data_dir=tmp_path,
        anthropic_api_key=KEYS["anthropic"],
        anthropic_base_url="http://127.0.0.1:1",  # nothing listens there
    )

    code, output = await run(settings)

    assert code == 0, output
    text = line(output, "anthropic API key")
    assert text.startswith("[warn]") and "could not be checked" in text and "ANTHROPIC_API_KEY" in text


async def test_an_unreachable_database_fails_and_says_what_to_check(fake_slack: FakeSlack, tmp_path: Path) -> None:
    settings = settings_for_tests(
        slack=fake_slack, database_url="postgresql://nobody:pw@127.0.0.1:1/nothing", data_dir=tmp_path
    )

    code, output = await run(settings)

    assert code == 1
    assert "[FAIL] database: cannot connect to postgresql://nobody@127.0.0.1:1/nothing (connection refused)" in output
    assert ":pw@" not in output


async def test_no_slack_configuration_fails_with_what_to_set(fake_slack: FakeSlack, tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        lookout_data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/x.db",
        slack_api_url=fake_slack.url,
    )  # type: ignore[call-arg]

    code, output = await run(settings)

    assert code == 1
    assert "[FAIL] configuration: Set SLACK_BOT_TOKEN" in output
