"""PostgreSQL gone while Lookout serves: /healthz says so and why, mentions are not answered twice, and everything
recovers by itself when the database comes back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.fakes.slack_api import FakeSlack
from bot.platform.slack import dedupe
from storage.db import Database
from tests.helpers.app_harness import running_app
from tests.helpers.slack_requests import DEFAULT_CHANNEL, app_mention, event_envelope
from tests.helpers.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
async def proxied_url(_postgres_url: str) -> AsyncIterator[tuple[str, TcpProxy]]:
    """The test database behind a proxy the test can take down."""
    parsed = urlsplit(_postgres_url)
    proxy = TcpProxy(target_host=parsed.hostname or "127.0.0.1", target_port=parsed.port or 5432)
    await proxy.up()
    yield _postgres_url.replace(f"{parsed.hostname}:{parsed.port}", f"127.0.0.1:{proxy.port}"), proxy
    await proxy.down()


async def test_healthz_tells_the_truth_and_the_bot_recovers_when_postgresql_returns(
    proxied_url: tuple[str, TcpProxy], fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, proxy = proxied_url
    monkeypatch.setattr(dedupe, "RETRY_DELAYS", (0.05, 0.05, 0.05))  # the claim's retries, shortened
    database = Database(url)
    async with running_app(slack=fake_slack, database=database, data_dir=tmp_path) as app:
        healthy, _ = await app.get("/healthz")

        await proxy.down()
        status, body = await app.get("/healthz")
        lost = event_envelope(app_mention("sessions while the database is down?"))
        ack = await app.sender.envelope(lost)
        await asyncio.sleep(0.5)
        await app.settle()
        unanswered = fake_slack.thread_replies(DEFAULT_CHANNEL, lost["event"]["ts"])

        await proxy.up()
        recovered, _ = await app.get("/healthz")
        after = event_envelope(app_mention("and now?"))
        await app.sender.envelope(after)
        await app.wait_for_calls("chat.postMessage")
        await app.sender.envelope(after, retry_num=1)
        await asyncio.sleep(0.3)
        await app.settle()
    await database.dispose()

    assert healthy == 200
    assert status == 503
    assert json.loads(body) == {"status": "unavailable", "database": "unreachable", "reason": "connection refused"}
    assert ack.status == 200  # Slack got its ack: the front door does not need the database
    # Another replica may hold the claim that could not be recorded here: silence, not a possibly doubled answer.
    assert unanswered == []
    assert recovered == 200
    assert len(fake_slack.thread_replies(DEFAULT_CHANNEL, after["event"]["ts"])) == 1
