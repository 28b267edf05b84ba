"""Access tokens of any lifetime, and every way the token endpoint can say no, through the OAuth fake on loopback:
one refresh at a time, never a loop, "reconnect" only for Google's invalid_grant, each failure logged once."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from google.auth.transport.requests import Request

from bot.google.problems import GoogleClientRejected, GoogleProblem, GoogleUnavailable, ReconnectNeeded
from storage.repos import google as repo
from storage.tables.google import ConnectionStatus
from tests.bot.google.conftest import GoogleBench
from tools.fakes.google_auth import FakeProperty


async def _connected(bench: GoogleBench, *, lifetime: int) -> int:
    bench.google.add_account("ana@acme.test", properties=[FakeProperty("111", "Acme")])
    bench.google.access_token_lifetime = lifetime
    workspace_id = await bench.workspace("T1", "Acme")
    status, _ = await bench.connect(workspace_id, "ana@acme.test", user_id="U42")
    assert status == 200
    return workspace_id


async def _admin_status(bench: GoogleBench, token: str) -> int:
    url = f"{bench.services.settings.ga4_admin_api_url}/v1beta/properties/111"
    async with bench.http.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
        return response.status


def _auth_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("Google auth failed for workspace")]


@pytest.mark.parametrize("lifetime", [1, 30, 60, 299, 300, 301, 3599])
async def test_a_token_of_any_lifetime_is_used_until_half_its_life_then_renewed_once(
    bench: GoogleBench, lifetime: int
) -> None:
    workspace_id = await _connected(bench, lifetime=lifetime)
    refreshes = len(bench.google.refresh_exchanges())

    first = await bench.connections.credentials_for(workspace_id=workspace_id)
    assert first.valid and len(bench.google.refresh_exchanges()) == refreshes  # fresh from the code exchange
    assert await _admin_status(bench, str(first.token)) == 200

    bench.clock.advance(timedelta(seconds=lifetime - min(lifetime / 2, 300) + 0.01))  # now it is due
    assert not first.valid
    await asyncio.to_thread(first.refresh, Request())  # what the SDK does from its thread before a request
    again = await bench.connections.credentials_for(workspace_id=workspace_id)

    assert len(bench.google.refresh_exchanges()) == refreshes + 1
    assert first.token == again.token != bench.google.access_tokens_issued()[0]
    assert again.valid


async def test_concurrent_renewals_of_one_second_tokens_share_one_refresh_across_tasks_and_processes(
    bench: GoogleBench,
) -> None:
    workspace_id = await _connected(bench, lifetime=1)
    bench.clock.advance(timedelta(seconds=2))  # the 1 s token is past its expiry
    other_process = bench.new_service()
    refreshes = len(bench.google.refresh_exchanges())

    results = await asyncio.gather(
        *[bench.connections.credentials_for(workspace_id=workspace_id) for _ in range(10)],
        *[other_process.credentials_for(workspace_id=workspace_id) for _ in range(10)],
    )

    assert len(bench.google.refresh_exchanges()) == refreshes + 1
    assert len({credentials.token for credentials in results}) == 1


async def test_a_token_the_server_clock_calls_expired_on_arrival_is_still_used_once_and_logged_as_clock(
    bench: GoogleBench, caplog: pytest.LogCaptureFixture
) -> None:
    workspace_id = await _connected(bench, lifetime=3599)
    bench.google.access_token_lifetime = 0  # a token endpoint (or a clock) that makes every token dead on arrival
    bench.clock.advance(timedelta(hours=1))
    refreshes = len(bench.google.refresh_exchanges())

    credentials = await bench.connections.credentials_for(workspace_id=workspace_id)
    await asyncio.to_thread(credentials.refresh, Request())
    await bench.connections.credentials_for(workspace_id=workspace_id)

    assert len(bench.google.refresh_exchanges()) == refreshes + 3  # one per ask, never a loop
    [line] = _auth_lines(caplog)
    assert f"workspace {workspace_id} [clock]" in line and "NTP" in line


async def test_a_401_to_a_token_this_server_thinks_fresh_gets_a_new_one_and_is_logged_as_clock(
    bench: GoogleBench, caplog: pytest.LogCaptureFixture
) -> None:
    workspace_id = await _connected(bench, lifetime=3599)
    credentials = await bench.connections.credentials_for(workspace_id=workspace_id)
    bench.google.expire_access_tokens()  # Google's clock runs ahead of ours

    await asyncio.to_thread(credentials.refresh, Request())  # what the SDK does after a 401

    assert await _admin_status(bench, str(credentials.token)) == 200
    [line] = _auth_lines(caplog)
    assert "[clock]" in line


@pytest.mark.parametrize(
    ("status", "error", "expected", "failure"),
    [
        (401, "invalid_client", GoogleClientRejected, "invalid_client"),
        (400, "unauthorized_client", GoogleClientRejected, "invalid_client"),
        (500, None, GoogleUnavailable, "transient"),
        (503, "backendError", GoogleUnavailable, "transient"),
        (429, "rate_limit_exceeded", GoogleUnavailable, "transient"),
    ],
)
async def test_a_refused_refresh_other_than_invalid_grant_keeps_the_grant_and_is_logged_once_by_class(
    bench: GoogleBench,
    caplog: pytest.LogCaptureFixture,
    status: int,
    error: str | None,
    expected: type[GoogleProblem],
    failure: str,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.google.connection")
    workspace_id = await _connected(bench, lifetime=60)
    bench.clock.advance(timedelta(seconds=40))
    bench.google.fail_token_requests(status=status, error=error, times=3)
    dms = len(bench.dms("U42"))

    outcomes = [
        await asyncio.gather(bench.connections.credentials_for(workspace_id=workspace_id), return_exceptions=True)
        for _ in range(3)
    ]
    recovered = await bench.connections.credentials_for(workspace_id=workspace_id)  # the endpoint is fine again

    assert all(type(outcome[0]) is expected for outcome in outcomes)
    lines = _auth_lines(caplog)
    assert len(lines) == 1 and f"workspace {workspace_id} [{failure}]" in lines[0]
    assert "fake-client-secret" not in lines[0] and "1//0" not in lines[0]
    assert any(f"works again for workspace {workspace_id}" in r.getMessage() for r in caplog.records)
    assert await _admin_status(bench, str(recovered.token)) == 200
    assert len(bench.dms("U42")) == dms  # nobody is told to reconnect
    async with bench.services.database.session() as session:
        connection = await repo.get_connection(session=session, workspace_id=workspace_id)
    assert connection is not None and connection.status == ConnectionStatus.HEALTHY.value


async def test_only_invalid_grant_marks_the_grant_dead(bench: GoogleBench, caplog: pytest.LogCaptureFixture) -> None:
    workspace_id = await _connected(bench, lifetime=60)
    bench.clock.advance(timedelta(seconds=40))
    bench.google.fail_token_requests(status=400, error="invalid_grant")
    dms = len(bench.dms("U42"))

    with pytest.raises(ReconnectNeeded):
        await bench.connections.credentials_for(workspace_id=workspace_id)

    [line] = _auth_lines(caplog)
    assert "[invalid_grant]" in line
    [dm] = bench.dms("U42")[dms:]
    assert "revoked or has expired" in str(dm["text"])


async def test_a_slow_token_endpoint_is_transient_after_the_google_timeout(
    bench: GoogleBench, caplog: pytest.LogCaptureFixture
) -> None:
    workspace_id = await _connected(bench, lifetime=60)
    bench.services.settings.google_timeout_seconds = 0.5
    bench.clock.advance(timedelta(seconds=40))
    bench.google.token_latency = 5.0

    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(GoogleUnavailable):
        await bench.connections.credentials_for(workspace_id=workspace_id)

    assert loop.time() - started < 3
    [line] = _auth_lines(caplog)
    assert "[transient]" in line and "TimeoutError" in line
    bench.google.token_latency = 0.0
