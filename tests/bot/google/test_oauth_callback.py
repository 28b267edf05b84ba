"""Connecting Google: the consent URL, the callback over HTTP, what gets stored and what the person is told."""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from storage.repos import google as repo
from tests.bot.google.conftest import GoogleBench
from tools.fakes.google_auth import ANALYTICS_READONLY, WEBMASTERS_READONLY, FakeProperty, FakeSite


def _one_property_account(bench: GoogleBench, email: str = "ana@acme.test") -> None:
    bench.google.add_account(
        email,
        properties=[
            FakeProperty("123456", "Acme web", account_name="Acme", time_zone="Europe/Paris", currency_code="EUR")
        ],
        sites=[FakeSite("sc-domain:acme.test")],
    )


async def test_the_authorization_url_asks_for_offline_read_only_access_with_pkce(bench: GoogleBench) -> None:
    workspace_id = await bench.workspace("T1")

    url = await bench.authorization_url(workspace_id, user_id="U42")

    parts = urlsplit(url)
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert url.startswith(bench.services.settings.google_auth_url + "?")
    assert params["client_id"] == bench.google.client_id
    assert params["redirect_uri"] == bench.services.settings.public_url + "/google/oauth/callback"
    assert params["response_type"] == "code"
    assert params["scope"].split() == [ANALYTICS_READONLY, WEBMASTERS_READONLY, "openid", "email"]
    assert (params["access_type"], params["prompt"], params["include_granted_scopes"]) == ("offline", "consent", "true")
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    async with bench.services.database.session() as session:
        state = await repo.consume_oauth_state(session=session, state=params["state"], now=bench.clock())
    assert state is not None
    assert (state.workspace_id, state.user_id) == (workspace_id, "U42")
    assert repo.as_utc(state.expires_at) == bench.clock() + timedelta(minutes=10)
    # the verifier is stored encrypted and is the one behind the challenge
    verifier = bench.services.cipher.decrypt(state.code_verifier_enc)
    assert verifier not in state.code_verifier_enc
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert digest == params["code_challenge"]


async def test_connecting_stores_the_grant_and_auto_selects_the_only_property_and_site(bench: GoogleBench) -> None:
    _one_property_account(bench)
    workspace_id = await bench.workspace("T1", "Acme")

    status, page = await bench.connect(workspace_id, "ana@acme.test", user_id="U42")

    assert status == 200 and "Google is connected" in page and "Back to Slack" in page
    [exchange] = bench.google.code_exchanges()
    assert exchange.status == 200 and exchange.params["code_verifier"]  # PKCE verified by the fake
    async with bench.services.database.session() as session:
        connection = await repo.get_connection(session=session, workspace_id=workspace_id)
        default = await repo.get_choice(session=session, workspace_id=workspace_id, channel_id="")
    assert connection is not None
    assert connection.connected_by_user_id == "U42" and connection.status == "healthy"
    assert connection.scopes.split() == [ANALYTICS_READONLY, WEBMASTERS_READONLY, "openid", "email"]
    assert connection.google_email == "ana@acme.test"  # from the id_token the identity scopes bring
    [refresh_token] = bench.google.refresh_tokens_issued()
    assert bench.services.cipher.decrypt(connection.refresh_token_enc) == refresh_token
    assert default is not None
    assert (default.property_id, default.property_name, default.site_url) == (
        "123456",
        "Acme web",
        "sc-domain:acme.test",
    )
    assert (default.property_timezone, default.property_currency) == ("Europe/Paris", "EUR")
    texts = [str(dm["text"]) for dm in bench.dms("U42")]
    assert any("Google is connected" in text for text in texts)
    assert any("Acme web" in text and "sc-domain:acme.test" in text for text in texts)

    target = await bench.connections.resolve_target(workspace_id=workspace_id, channel_id="C7")
    assert (target.property_id, target.site_url, target.timezone, target.currency) == (
        "123456",
        "sc-domain:acme.test",
        "Europe/Paris",
        "EUR",
    )


async def test_several_properties_over_several_pages_come_back_as_a_picker(bench: GoogleBench) -> None:
    bench.google.add_account(
        "ana@agency.test",
        properties=[
            FakeProperty("111", "Client A", account_id="1", account_name="Agency A"),
            FakeProperty("222", "Client B", account_id="2", account_name="Agency B"),
            FakeProperty("333", "Client C", account_id="3", account_name="Agency C"),
        ],
        sites=[
            FakeSite("https://a.test/"),
            FakeSite("https://b.test/"),
            FakeSite("https://x.test/", "siteUnverifiedUser"),
        ],
    )
    bench.google.account_summaries_page_cap = 1
    workspace_id = await bench.workspace("T1")

    status, _ = await bench.connect(workspace_id, "ana@agency.test", user_id="U42")

    assert status == 200
    pages = [path for method, path in bench.google.requests if path.startswith("/v1beta/accountSummaries")]
    assert len(pages) == 3 and "pageToken=" in pages[2]
    [picker] = [dm for dm in bench.dms("U42") if dm.get("blocks")]
    menus = {
        element["action_id"]: element
        for block in picker["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }  # type: ignore[index,union-attr,attr-defined]
    offered = [
        option["value"] for group in menus["google_pick_property"]["option_groups"] for option in group["options"]
    ]
    assert offered == ["111", "222", "333"]
    assert [option["value"] for option in menus["google_pick_site"]["options"]] == [
        "https://a.test/",
        "https://b.test/",
    ]
    async with bench.services.database.session() as session:
        assert await repo.get_choice(session=session, workspace_id=workspace_id, channel_id="") is None


async def test_a_replayed_forged_or_expired_state_is_refused_without_a_token_exchange(bench: GoogleBench) -> None:
    _one_property_account(bench)
    workspace_id = await bench.workspace("T1")
    bench.google.consent_as("ana@acme.test")
    callback = await bench.consent(await bench.authorization_url(workspace_id))
    assert (await bench.callback(callback))[0] == 200
    exchanges_after_first = len(bench.google.exchanges)

    replayed = await bench.callback(callback)
    forged = await bench.callback(callback.split("state=")[0] + "state=forged-state")
    stale_url = await bench.consent(await bench.authorization_url(workspace_id))
    bench.clock.advance(timedelta(minutes=11))
    expired = await bench.callback(stale_url)

    # a replayed link says it was used, not that it expired; the others say they are no longer good
    assert replayed[0] == 400 and "This link was already used" in replayed[1] and "expired" not in replayed[1]
    for status, page in (forged, expired):
        assert status == 400
        assert "This link has expired" in page and "Traceback" not in page
    assert len(bench.google.exchanges) == exchanges_after_first


async def test_cancelled_consent_stores_nothing_and_says_so_in_slack(bench: GoogleBench) -> None:
    _one_property_account(bench)
    workspace_id = await bench.workspace("T1")
    bench.google.deny_consent()

    status, page = await bench.callback(await bench.consent(await bench.authorization_url(workspace_id, "U42")))

    assert status == 200 and "cancelled" in page
    assert bench.google.exchanges == []
    async with bench.services.database.session() as session:
        assert await repo.get_connection(session=session, workspace_id=workspace_id) is None
    assert any("cancelled" in str(dm["text"]) for dm in bench.dms("U42"))


async def test_an_unticked_scope_is_named_on_the_page_in_slack_and_in_status(bench: GoogleBench) -> None:
    _one_property_account(bench)
    workspace_id = await bench.workspace("T1")

    status, page = await bench.connect(
        workspace_id, "ana@acme.test", user_id="U42", granted_scopes=[ANALYTICS_READONLY]
    )

    assert status == 200 and "Search Console" in page
    assert any("without Search Console" in str(dm["text"]) for dm in bench.dms("U42"))
    view = await bench.choices.status_view(workspace_id=workspace_id, channel_id=None)
    assert view.connected and view.scopes_missing == (WEBMASTERS_READONLY,)


async def test_nothing_granted_stores_nothing(bench: GoogleBench) -> None:
    _one_property_account(bench)
    workspace_id = await bench.workspace("T1")

    status, _ = await bench.connect(workspace_id, "ana@acme.test", user_id="U42", granted_scopes=[])

    assert status == 200
    async with bench.services.database.session() as session:
        assert await repo.get_connection(session=session, workspace_id=workspace_id) is None
    assert bench.google.revoked_tokens  # the useless grant was handed back
    assert any("wasn't connected" in str(dm["text"]) for dm in bench.dms("U42"))


async def test_the_refresh_token_is_never_in_the_database_file_or_the_logs(
    bench: GoogleBench, caplog: pytest.LogCaptureFixture
) -> None:
    if not bench.services.database.is_sqlite:
        pytest.skip("reads the SQLite file")
    caplog.set_level(logging.DEBUG)
    _one_property_account(bench)
    workspace_id = await bench.workspace("T1")
    bench.google.access_token_lifetime = 60

    await bench.connect(workspace_id, "ana@acme.test")
    bench.clock.advance(timedelta(seconds=40))  # the token is due: the first use refreshes it
    credentials = await bench.connections.credentials_for(workspace_id=workspace_id)

    [refresh_token] = bench.google.refresh_tokens_issued()
    access_tokens = bench.google.access_tokens_issued()
    assert str(credentials.token) in access_tokens and len(bench.google.refresh_exchanges()) >= 1
    database_file = Path(str(bench.services.database.url.database))
    stored = b"".join(path.read_bytes() for path in database_file.parent.glob(database_file.name + "*"))
    assert refresh_token.encode() not in stored
    assert all(token.encode() not in stored for token in access_tokens)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert all(token not in logged for token in [refresh_token, *access_tokens])
