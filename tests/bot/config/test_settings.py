"""Settings: blank values count as unset, wherever they come from (`.env`, the environment, arguments)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.settings import Settings, SlackMode


def test_blank_values_in_a_dotenv_file_are_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A copied .env template: the multi-workspace lines are present but empty, and one URL is blank.
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-1-real\n"
        "SLACK_SIGNING_SECRET=secret\n"
        "SLACK_CLIENT_ID=\n"
        "SLACK_CLIENT_SECRET=\n"
        "GOOGLE_CLIENT_ID=\n"
        "GOOGLE_CLIENT_SECRET=   \n"
        "SLACK_API_URL=\n"
        "ANTHROPIC_API_KEY=\n"
        "GEMINI_API_KEY=\n"
    )
    monkeypatch.chdir(tmp_path)

    settings = Settings()

    assert settings.slack_mode is SlackMode.SINGLE_WORKSPACE
    assert settings.problems() == []
    assert settings.slack_client_secret is None
    assert settings.google_client_secret is None
    assert not settings.google_configured
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.anthropic_api_key is None
    assert settings.gemini_api_key is None


def test_blank_environment_variables_and_arguments_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "1111.2222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "")
    monkeypatch.setenv("PORT", "")

    settings = Settings(_env_file=None, slack_signing_secret="", xai_api_key=" ")  # type: ignore[call-arg]

    assert settings.slack_client_secret is None
    assert settings.port == 3000
    assert settings.slack_signing_secret is None
    assert settings.xai_api_key is None
    assert settings.problems() == [
        "Multi-workspace mode needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.",
        "HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → App Credentials).",
    ]
