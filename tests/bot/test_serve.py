"""`lookout serve`: a newcomer gets a checklist, Socket Mode answers events, the other routes stay up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from bot.fakes.slack_api import FakeSlack
from bot.serve import build_services, start_server
from storage.db import Database
from tests.helpers.app_harness import settings_for_tests
from tests.helpers.slack_requests import app_mention, event_envelope


@pytest.fixture
def _keep_logging() -> Iterator[None]:
    # `main()` configures the root logger onto the captured stderr; put it back for the tests after this one.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("_keep_logging")
def test_serve_without_credentials_prints_the_checklist_and_exits_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here

    code = main(["serve"])

    err = capsys.readouterr().err
    assert code != 0
    assert "Traceback" not in err
    assert "manifest.yml" in err
    assert "SLACK_SIGNING_SECRET" in err and "SLACK_BOT_TOKEN" in err
    assert "http://localhost:3000/slack/events" in err


async def test_socket_mode_answers_a_mention_and_still_serves_health(
    fake_slack: FakeSlack, database: Database, tmp_path: Path
) -> None:
    settings = settings_for_tests(
        slack=fake_slack,
        database_url=database.url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        slack_app_token=fake_slack.app_token,
        slack_signing_secret=None,
    )
    server = await start_server(
        settings=settings,
        port=0,
        socket_mode=True,
        host="127.0.0.1",
        services=build_services(settings, database=database),
    )
    try:
        envelope = event_envelope(app_mention("via the socket"))
        ack = await fake_slack.socket_send(envelope)
        posts = await fake_slack.wait_for_calls("chat.postMessage")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{server.port}/healthz") as health:
                health_status = health.status
            async with session.post(f"http://127.0.0.1:{server.port}/slack/events", data=b"{}") as events:
                events_status = events.status
    finally:
        await server.stop(grace_seconds=5)

    assert ack["envelope_id"]
    assert posts[0].get("thread_ts") == envelope["event"]["ts"]
    assert health_status == 200
    assert events_status in (404, 405)
