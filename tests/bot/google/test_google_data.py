"""Credentials from the connection drive the tools' real GA4 client against the combined fake Google server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from google.analytics.data_v1beta.types import DateRange, Metric, RunReportRequest

from bot.fakes.slack_api import FakeSlack
from bot.google.connection import google_connections
from tests.bot.google.test_slack_flow import _connect, _workspace_id
from tests.bot.slack.test_oauth_install import install
from tests.helpers.app_harness import StartApp
from tools.fakes.google import FakeGoogle
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty
from tools.google import Ga4Client, GoogleAccessDenied, GoogleRuntime
from tools.sample.dataset import PropertyDataset

NOW = datetime(2026, 11, 20, 15, 30)


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    auth = FakeGoogleAuth()
    auth.add_account("ana@acme.test", properties=[FakeProperty("111", "Acme")])
    auth.add_account("bo@globex.test", properties=[FakeProperty("222", "Globex")])
    async with FakeGoogle(auth=auth) as server:
        server.add_property("111", PropertyDataset(seed=1, now=NOW, days=30))
        server.add_property("222", PropertyDataset(seed=2, now=NOW, days=30))
        yield server


def _sessions(property_id: str) -> RunReportRequest:
    return RunReportRequest(
        property=f"properties/{property_id}",
        metrics=[Metric(name="sessions")],
        date_ranges=[DateRange(start_date="7daysAgo", end_date="yesterday")],
    )


async def test_each_workspace_reads_only_its_own_property_and_refreshes_through_the_service(
    start_app: StartApp, google: FakeGoogle, fake_slack: FakeSlack
) -> None:
    auth = google.auth
    assert isinstance(auth, FakeGoogleAuth)
    app = await start_app(mode="multi", **auth.settings_overrides(google.url))
    fake_slack.add_oauth_code("code-acme", team_id="T0ACME", installer_user_id="U0ANA")
    fake_slack.add_oauth_code("code-globex", team_id="T0GLOBEX", installer_user_id="U0BO")
    await install(app, code="code-acme")
    await install(app, code="code-globex")
    await _connect(app, auth, "ana@acme.test", team_id="T0ACME", user_id="U0ANA")  # type: ignore[arg-type]
    await _connect(app, auth, "bo@globex.test", team_id="T0GLOBEX", user_id="U0BO")  # type: ignore[arg-type]
    connections = google_connections(app.services)
    acme = await _workspace_id(app, "T0ACME")
    globex = await _workspace_id(app, "T0GLOBEX")
    runtime = GoogleRuntime(retry_delays=(0.01,))
    try:
        acme_client = Ga4Client(
            credentials=await connections.credentials_for(workspace_id=acme),
            data_api_url=google.url,
            runtime=runtime,
        )
        globex_client = Ga4Client(
            credentials=await connections.credentials_for(workspace_id=globex),
            data_api_url=google.url,
            runtime=runtime,
        )

        own = await acme_client.run_report(_sessions("111"))
        with pytest.raises(GoogleAccessDenied):
            await acme_client.run_report(_sessions("222"))
        with pytest.raises(GoogleAccessDenied):
            await globex_client.run_report(_sessions("111"))

        # Google drops the access token early: the SDK's 401 refresh comes back through the service, once
        refreshes_before = len(auth.refresh_exchanges())
        auth.expire_access_tokens()
        again = await acme_client.run_report(_sessions("111"))
    finally:
        runtime.close()

    assert own.rows and again.rows
    assert len(auth.refresh_exchanges()) == refreshes_before + 1
