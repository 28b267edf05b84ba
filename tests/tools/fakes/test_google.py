"""FakeGoogle itself (`tools/fakes/google.py`): the auth hook, the request log and error injection, seen through the
real SDKs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from google.analytics.data_v1beta.types import DateRange, Dimension, Metric, RunReportRequest
from google.oauth2.credentials import Credentials

from tests.tools.conftest import PROPERTY_ID
from tools.fakes.google import FakeGoogle
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty, FakeSite
from tools.google import Ga4Client, GoogleAccessDenied, GoogleAuthExpired, GoogleRuntime, GscClient, GscQuery
from tools.sample.dataset import PropertyDataset


@pytest.fixture
async def google_with_accounts(dataset: PropertyDataset) -> AsyncIterator[tuple[FakeGoogle, FakeGoogleAuth]]:
    auth = FakeGoogleAuth()
    auth.add_account(
        "owner@acme.example", properties=[FakeProperty(PROPERTY_ID, "Acme")], sites=[FakeSite(dataset.site_url)]
    )
    auth.add_account("stranger@other.example", properties=[FakeProperty("999", "Other")])
    async with FakeGoogle(auth=auth) as server:
        server.add_dataset(dataset, property_id=PROPERTY_ID)
        yield server, auth


async def access_token(server: FakeGoogle, auth: FakeGoogleAuth, email: str) -> str:
    code = auth.issue_code(email, redirect_uri="http://localhost/google/oauth/callback", code_challenge=None)
    async with aiohttp.ClientSession() as session:
        answer = await session.post(
            f"{server.url}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://localhost/google/oauth/callback",
                "client_id": auth.client_id,
                "client_secret": auth.client_secret,
            },
        )
        assert answer.status == 200, await answer.text()
        token: str = (await answer.json())["access_token"]
    return token


def report() -> RunReportRequest:
    return RunReportRequest(
        property=PROPERTY_ID,
        metrics=[Metric(name="sessions")],
        date_ranges=[DateRange(start_date="yesterday", end_date="yesterday")],
    )


async def test_auth_hook_maps_tokens_to_the_properties_their_account_owns(
    google_with_accounts: tuple[FakeGoogle, FakeGoogleAuth], runtime: GoogleRuntime, dataset: PropertyDataset
) -> None:
    server, auth = google_with_accounts
    owner = Credentials(token=await access_token(server, auth, "owner@acme.example"))
    stranger = Credentials(token=await access_token(server, auth, "stranger@other.example"))

    owned = await Ga4Client(credentials=owner, data_api_url=server.url, runtime=runtime).run_report(report())
    assert int(owned.rows[0].metric_values[0].value) > 0
    site = await GscClient(credentials=owner, api_url=server.url, runtime=runtime).search_analytics(
        dataset.site_url, GscQuery.model_validate({"startDate": "2026-11-01", "endDate": "2026-11-10"})
    )
    assert site.rows

    with pytest.raises(GoogleAccessDenied):
        await Ga4Client(credentials=stranger, data_api_url=server.url, runtime=runtime).run_report(report())
    with pytest.raises(GoogleAuthExpired):
        await Ga4Client(credentials=Credentials(token="made-up"), data_api_url=server.url, runtime=runtime).run_report(
            report()
        )


async def test_missing_bearer_token_is_401(google: FakeGoogle) -> None:
    async with aiohttp.ClientSession() as session:
        answer = await session.post(f"{google.url}/v1beta/properties/{PROPERTY_ID}:runReport", json={})
        body = await answer.json()

    assert answer.status == 401
    assert body["error"]["status"] == "UNAUTHENTICATED"


async def test_request_log_and_injected_errors(google: FakeGoogle, ga4: Ga4Client) -> None:
    google.fail_next("runReport", status=429, times=1)
    request = report()
    request.dimensions = [Dimension(name="country")]

    response = await ga4.run_report(request)

    statuses = [call.route for call in google.calls(resource=f"properties/{PROPERTY_ID}")]
    assert statuses == ["runReport", "runReport"]  # one 429, one retry
    assert google.calls("runReport")[1].body["dimensions"] == [{"name": "country"}]
    assert response.dimension_headers[0].name == "country"
    assert response.metadata.time_zone == "America/New_York"


async def test_unknown_route_is_a_google_style_404(google: FakeGoogle) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as session:
        answer = await session.get(f"{google.url}/v1beta/somethingElse")
        body = await answer.json()

    assert answer.status == 404
    assert body["error"]["code"] == 404
