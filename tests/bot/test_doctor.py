"""`lookout doctor`: one line per check, non-zero when a required one fails, never a secret."""

from __future__ import annotations

import io
from pathlib import Path

from bot.doctor import doctor
from bot.fakes.slack_api import FakeSlack
from bot.settings import Settings
from storage.db import Database
from tests.helpers.app_harness import settings_for_tests


async def run(settings: Settings) -> tuple[int, str]:
    out = io.StringIO()
    code = await doctor(settings=settings, out=out)
    return code, out.getvalue()


async def test_a_good_single_workspace_setup_passes_without_printing_secrets(
    fake_slack: FakeSlack, database: Database, tmp_path: Path
) -> None:
    settings = settings_for_tests(
        slack=fake_slack,
        database_url=database.url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        anthropic_api_key="sk-ant-secret-value-123456",
        anthropic_base_url=fake_slack.root_url,
    )

    code, output = await run(settings)

    assert code == 0, output
    assert "[  ok] configuration: single-workspace mode" in output
    assert "[  ok] Slack bot token: authenticated in Lookout Test (T0LOOKOUT)" in output
    assert "[  ok] database:" in output
    assert "[  ok] Anthropic: reachable" in output
    for secret in (
        fake_slack.workspace.bot_token,
        "sk-ant-secret-value-123456",
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        settings.lookout_secret_key.get_secret_value() if settings.lookout_secret_key else "",
    ):
        assert secret not in output


async def test_a_refused_token_and_an_unreachable_database_fail(fake_slack: FakeSlack, tmp_path: Path) -> None:
    settings = settings_for_tests(
        slack=fake_slack,
        database_url="postgresql://nobody@127.0.0.1:1/nothing",
        data_dir=tmp_path,
        slack_bot_token="xoxb-not-a-real-token",
    )

    code, output = await run(settings)

    assert code == 1
    assert "[FAIL] Slack bot token: refused by auth.test (invalid_auth)" in output
    assert "[FAIL] database: cannot connect" in output
    assert "xoxb-not-a-real-token" not in output


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
