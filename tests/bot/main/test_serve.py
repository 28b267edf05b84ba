"""`lookout serve`: a newcomer gets a checklist, Socket Mode answers events, the other routes stay up."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet

from bot.config.settings import Settings
from bot.fakes.slack_api import FakeSlack
from bot.main.build import build_services
from bot.main.cli import main
from bot.main.serve import RunningServer, SlackTokenRefused, SlackUnreachable, start_server
from bot.scheduler.leadership import LEASE_NAME
from bot.text import operator as operator_messages
from storage.db import Database
from storage.migrate import prepare_database
from storage.repos.schedule import try_acquire_lease
from tests.helpers.app_harness import settings_for_tests
from tests.helpers.fresh_interpreter import in_fresh_interpreter
from tests.helpers.slack_requests import app_mention, event_envelope


def settings_on(*, fake_slack: FakeSlack, database: Database, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a server on the fake Slack and the test database."""
    return settings_for_tests(
        slack=fake_slack,
        database_url=database.url.render_as_string(hide_password=False),
        data_dir=data_dir,
        **overrides,
    )


async def start_on_loopback(*, settings: Settings, database: Database, socket_mode: bool) -> RunningServer:
    """`start_server` on a free loopback port, with the test database."""
    return await start_server(
        settings=settings,
        port=0,
        socket_mode=socket_mode,
        host="127.0.0.1",
        services=build_services(settings, database=database),
    )


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
    settings = settings_on(
        fake_slack=fake_slack,
        database=database,
        data_dir=tmp_path,
        slack_app_token=fake_slack.app_token,
        slack_signing_secret=None,
    )
    server = await start_on_loopback(settings=settings, database=database, socket_mode=True)
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


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked"])
async def test_a_refused_bot_token_stops_the_start_before_anything_listens(
    fake_slack: FakeSlack, database: Database, tmp_path: Path, error: str
) -> None:
    settings = settings_on(
        fake_slack=fake_slack, database=database, data_dir=tmp_path, slack_bot_token="xoxb-1-wrong-or-revoked"
    )
    if error == "token_revoked":
        fake_slack.add_workspace(team_id="T0OLD", bot_token="xoxb-1-wrong-or-revoked")
        fake_slack.revoke("xoxb-1-wrong-or-revoked")

    with pytest.raises(SlackTokenRefused) as refused:
        await start_on_loopback(settings=settings, database=database, socket_mode=False)

    assert (refused.value.variable, refused.value.error) == ("SLACK_BOT_TOKEN", error)


async def test_slack_failing_at_start_is_not_taken_for_a_refused_token(
    fake_slack: FakeSlack, database: Database, tmp_path: Path
) -> None:
    settings = settings_on(fake_slack=fake_slack, database=database, data_dir=tmp_path)
    fake_slack.http_error_next("auth.test", status=503, times=10)

    with pytest.raises(SlackUnreachable) as unreachable:
        await start_on_loopback(settings=settings, database=database, socket_mode=False)

    assert unreachable.value.reason == "http_503"


async def test_serve_with_a_refused_bot_token_exits_with_one_line(fake_slack: FakeSlack, tmp_path: Path) -> None:
    environment = {
        **{name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "PYTHONPATH")},
        "DATABASE_URL": f"sqlite:///{tmp_path}/lookout.db",
        "LOOKOUT_SECRET_KEY": Fernet.generate_key().decode(),
        "SLACK_BOT_TOKEN": "xoxb-1-not-this-one",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": fake_slack.url,
        "LOOKOUT_SCHEDULER_ENABLED": "false",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--port", "0",
        cwd=tmp_path, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail("lookout serve kept running with a token Slack refuses")

    lines = [line for line in stderr.decode().splitlines() if " alembic." not in line]
    assert process.returncode == 1
    assert lines == [operator_messages.slack_token_refused(variable="SLACK_BOT_TOKEN", error="invalid_auth")]
    assert "xoxb-1-not-this-one" not in stderr.decode()


async def test_a_refused_app_token_stops_a_socket_mode_start(
    fake_slack: FakeSlack, database: Database, tmp_path: Path
) -> None:
    settings = settings_on(
        fake_slack=fake_slack,
        database=database,
        data_dir=tmp_path,
        slack_app_token="xapp-1-not-the-app-token",
        slack_signing_secret=None,
    )

    with pytest.raises(SlackTokenRefused) as refused:
        await start_on_loopback(settings=settings, database=database, socket_mode=True)

    assert (refused.value.variable, refused.value.error) == ("SLACK_APP_TOKEN", "invalid_auth")


# What a started `lookout serve` must not have loaded (measured costs in /work/notes/agentperf.md): the GA4 Data
# API SDK and gRPC (~60 MB, ~0.3 s) and Google's discovery client load with the first question that reads Google;
# the model SDKs with the first question (and only the configured providers'); charts, numbers and the scheduler's
# library only where they are used; Alembic only when there is a migration to apply; the agent's turn types and
# its grounding check (~64 M instructions, ~1.7% of start-up, callgrind) with the agent.
_NOT_AT_START = (
    "bot.agent.events",
    "bot.agent.grounding",
    "google.analytics",
    "grpc",
    "googleapiclient",
    "anthropic",
    "google.genai",
    "openai",
    "matplotlib",
    "numpy",
    "apscheduler",
    "alembic",
)

_START_AND_LIST_MODULES = """
import asyncio, json, sys
from bot.config.settings import Settings
from bot.main.serve import start_server

async def main() -> None:
    settings = Settings(_env_file=None, **json.loads(sys.argv[1]))
    server = await start_server(settings=settings, port=0, socket_mode=False, host="127.0.0.1")
    await server.stop(grace_seconds=1)

asyncio.run(main())
print(json.dumps(sorted(sys.modules)))
"""


def _serve_settings(
    fake_slack: FakeSlack, tmp_path: Path, *, database_url: str, scheduler: bool, **extra: str
) -> dict[str, object]:
    """The environment `lookout serve` starts with in the start-up tests: the fake Slack, a fresh key."""
    return {
        "database_url": database_url,
        "lookout_secret_key": Fernet.generate_key().decode(),
        "lookout_data_dir": str(tmp_path),
        "slack_signing_secret": "secret",
        "slack_bot_token": fake_slack.workspace.bot_token,
        "slack_api_url": fake_slack.url,
        "lookout_scheduler_enabled": scheduler,
        **extra,
    }


async def _migrated_database(tmp_path: Path) -> tuple[str, Database]:
    database_url = f"sqlite:///{tmp_path}/lookout.db"
    database = Database(database_url)
    await prepare_database(database)
    return database_url, database


async def test_a_started_server_has_not_loaded_what_no_request_has_needed_yet(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    database_url, migrated = await _migrated_database(tmp_path)
    await migrated.dispose()
    settings = _serve_settings(
        fake_slack, tmp_path, database_url=database_url, anthropic_api_key="only-anthropic", scheduler=False
    )
    modules = await _modules_after_start(settings, cwd=tmp_path)

    loaded = sorted(
        {name for name in modules for heavy in _NOT_AT_START if name == heavy or name.startswith(heavy + ".")}
    )
    assert "slack_bolt" in modules and "sqlalchemy" in modules  # it did start
    assert loaded == []


async def test_a_standby_replica_joins_the_leadership_race_without_loading_the_jobs(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    # Given another replica holding the scheduler's lease,
    database_url, database = await _migrated_database(tmp_path)
    async with database.session() as session:
        now = datetime.now(UTC)
        assert await try_acquire_lease(
            session=session, name=LEASE_NAME, holder="other", now=now, ttl=timedelta(hours=1)
        )
    await database.dispose()
    settings = _serve_settings(fake_slack, tmp_path, database_url=database_url, scheduler=True)
    # when a replica with the scheduler on starts, it never loads the jobs' wiring (digests, alerts, GA4's SDK).
    modules = await _modules_after_start(settings, cwd=tmp_path)

    assert "bot.scheduler.scheduler" in modules  # it did join the race
    assert [name for name in ("bot.main.scheduling", "bot.digest.posting", "google.analytics") if name in modules] == []


async def _modules_after_start(settings: dict[str, Any], *, cwd: Path) -> list[str]:
    """The modules a fresh interpreter (this test process has imported everything already) holds once started."""
    modules: list[str] = await in_fresh_interpreter(_START_AND_LIST_MODULES, settings=settings, cwd=cwd)
    return modules


_START_AND_REPORT_THE_COLLECTOR = """
import asyncio, gc, json, sys
gc.disable()  # as `lookout serve` imports and starts (bot.main.cli)

class Node:
    pass

made_at_start_up = Node()
made_at_start_up.cycle = made_at_start_up  # garbage or not, only a full collection could free it
from bot.config.settings import Settings
from bot.main.serve import start_server

collections = []
gc.callbacks.append(lambda phase, info: collections.append(info["generation"]) if phase == "stop" else None)

async def main() -> dict:
    settings = Settings(_env_file=None, **json.loads(sys.argv[1]))
    server = await start_server(settings=settings, port=0, socket_mode=False, host="127.0.0.1")
    report = {
        "collections_before_ready": list(collections),
        "tracked_not_frozen": any(tracked is made_at_start_up for tracked in gc.get_objects()),
        "frozen": gc.get_freeze_count(),
        "threshold": gc.get_threshold(),
        "enabled": gc.isenabled(),
    }
    await server.stop(grace_seconds=1)
    return report

print(json.dumps(asyncio.run(main())))
"""


async def test_a_started_server_has_frozen_what_start_up_made_without_collecting_it(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    # Given a fresh `lookout serve` process (collector off while it imports and starts, as the CLI runs it),
    settings = _serve_settings(fake_slack, tmp_path, database_url=f"sqlite:///{tmp_path}/lookout.db", scheduler=False)
    # once it is ready,
    report = await in_fresh_interpreter(_START_AND_REPORT_THE_COLLECTOR, settings=settings, cwd=tmp_path)

    # no collection walked start-up's objects before it (a full one is ~0.1 s of CPU, bot.main.serve),
    assert report["collections_before_ready"] == []
    # they are frozen, so no later collection walks them either,
    assert not report["tracked_not_frozen"]
    assert report["frozen"] > 10_000
    # and the collector is on, with serving's thresholds: young every 5,000 allocations, full ten times rarer.
    assert report["enabled"]
    assert report["threshold"][0] == 5000 and report["threshold"][2] == 100
