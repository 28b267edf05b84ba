"""The token lifecycle and isolation: one refresh at a time, one reconnect DM, each workspace sees only its own."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest
from google.auth.transport.requests import Request

from bot.google.choices import Disconnected
from bot.google.problems import GoogleNotConnected, NoPropertyChosen, ReconnectNeeded
from storage.repos import google as repo
from tests.bot.google.conftest import GoogleBench
from tools.fakes.google_auth import FakeProperty, FakeSite


def _accounts(bench: GoogleBench) -> None:
    bench.google.add_account(
        "ana@acme.test",
        properties=[FakeProperty("111", "Acme", time_zone="Europe/Paris", currency_code="EUR")],
        sites=[FakeSite("sc-domain:acme.test")],
    )
    bench.google.add_account(
        "bo@globex.test",
        properties=[FakeProperty("222", "Globex"), FakeProperty("223", "Globex shop")],
        sites=[FakeSite("https://globex.test/")],
    )


async def _connected(bench: GoogleBench, team_id: str, email: str, *, user_id: str = "U1") -> int:
    workspace_id = await bench.workspace(team_id, team_id)
    status, _ = await bench.connect(workspace_id, email, user_id=user_id)
    assert status == 200
    return workspace_id


async def test_concurrent_questions_refresh_the_token_exactly_once_even_across_processes(bench: GoogleBench) -> None:
    _accounts(bench)
    bench.google.access_token_lifetime = 60
    workspace_id = await _connected(bench, "T1", "ana@acme.test")
    bench.clock.advance(timedelta(seconds=40))  # past half its lifetime: due for renewal
    bench.google.access_token_lifetime = 3600
    refreshes_before = len(bench.google.refresh_exchanges())
    other_process = bench.new_service()

    results = await asyncio.gather(
        *[bench.connections.credentials_for(workspace_id=workspace_id) for _ in range(8)],
        *[other_process.credentials_for(workspace_id=workspace_id) for _ in range(8)],
    )

    assert len(bench.google.refresh_exchanges()) - refreshes_before == 1
    assert len({credentials.token for credentials in results}) == 1
    assert all(credentials.valid and getattr(credentials, "refresh_token", None) is None for credentials in results)


async def test_invalid_grant_sends_one_dm_and_every_later_question_gets_reconnect(bench: GoogleBench) -> None:
    _accounts(bench)
    bench.google.access_token_lifetime = 60
    workspace_id = await _connected(bench, "T1", "ana@acme.test", user_id="U42")
    bench.clock.advance(timedelta(seconds=40))
    bench.google.revoke_grants("ana@acme.test")  # e.g. the person removed Lookout in their Google account
    dms_before = len(bench.dms("U42"))
    refreshes_before = len(bench.google.refresh_exchanges())
    other_process = bench.new_service()

    outcomes = await asyncio.gather(
        *[bench.connections.credentials_for(workspace_id=workspace_id) for _ in range(5)],
        *[other_process.credentials_for(workspace_id=workspace_id) for _ in range(5)],
        return_exceptions=True,
    )
    later = await asyncio.gather(
        bench.connections.credentials_for(workspace_id=workspace_id),
        bench.connections.resolve_target(workspace_id=workspace_id, channel_id="C1"),
        return_exceptions=True,
    )

    assert all(isinstance(outcome, ReconnectNeeded) for outcome in [*outcomes, *later])
    assert [exchange.error for exchange in bench.google.refresh_exchanges()[refreshes_before:]] == ["invalid_grant"]
    new_dms = bench.dms("U42")[dms_before:]
    assert len(new_dms) == 1
    assert "revoked or has expired" in str(new_dms[0]["text"])
    buttons = [e for b in new_dms[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]  # type: ignore[attr-defined,index]
    assert [button["text"]["text"] for button in buttons] == ["Reconnect Google"]
    view = await bench.choices.status_view(workspace_id=workspace_id, channel_id=None)
    assert view.connected and not view.healthy

    # reconnecting clears it
    bench.google.access_token_lifetime = 3600
    status, _ = await bench.connect(workspace_id, "ana@acme.test", user_id="U42")
    assert status == 200
    assert (await bench.connections.credentials_for(workspace_id=workspace_id)).valid


async def test_two_workspaces_each_see_only_their_own_properties_and_data(bench: GoogleBench) -> None:
    _accounts(bench)
    acme = await _connected(bench, "T1", "ana@acme.test")
    globex = await _connected(bench, "T2", "bo@globex.test")

    # Globex has two properties: nothing auto-selected; it can't take Acme's
    refused = await bench.choices.choose_property(workspace_id=globex, user_id="U2", channel_id="", raw="111")
    accepted = await bench.choices.choose_property(
        workspace_id=globex, user_id="U2", channel_id="", raw="properties/223"
    )
    site_refused = await bench.choices.choose_site(workspace_id=globex, user_id="U2", channel_id="", raw="acme.test")
    site_accepted = await bench.choices.choose_site(workspace_id=globex, user_id="U2", channel_id="", raw="globex.test")

    assert "can't see GA4 property `111`" in refused
    assert "Globex shop" in accepted
    assert "can't see the Search Console site" in site_refused and "https://globex.test/" in site_refused
    assert "https://globex.test/" in site_accepted
    acme_target = await bench.connections.resolve_target(workspace_id=acme, channel_id=None)
    globex_target = await bench.connections.resolve_target(workspace_id=globex, channel_id=None)
    assert (acme_target.property_id, acme_target.site_url) == ("111", "sc-domain:acme.test")
    assert (globex_target.property_id, globex_target.site_url) == ("223", "https://globex.test/")

    # each workspace's credentials read only its own account's data at Google
    async def admin_status(workspace_id: int, property_id: str) -> int:
        credentials = await bench.connections.credentials_for(workspace_id=workspace_id)
        url = f"{bench.services.settings.ga4_admin_api_url}/v1beta/properties/{property_id}"
        async with bench.http.get(url, headers={"Authorization": f"Bearer {credentials.token}"}) as response:
            return response.status

    assert await admin_status(acme, "111") == 200
    assert await admin_status(acme, "223") == 403
    assert await admin_status(globex, "223") == 200
    assert await admin_status(globex, "111") == 403


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("G-ABC123XYZ", "is a measurement ID. I need the numeric property ID: GA4 → Admin → Property details"),
        ("UA-12345-1", "Universal Analytics ID"),
        ("acme", "isn't a GA4 property ID"),
    ],
)
async def test_measurement_and_universal_ids_are_refused_with_where_to_look(
    bench: GoogleBench, raw: str, expected: str
) -> None:
    _accounts(bench)
    workspace_id = await _connected(bench, "T1", "ana@acme.test")
    requests_before = len(bench.google.requests)

    answer = await bench.choices.choose_property(workspace_id=workspace_id, user_id="U1", channel_id="", raw=raw)

    assert expected in answer
    assert len(bench.google.requests) == requests_before  # refused before asking Google


async def test_a_channel_overrides_the_property_and_keeps_the_default_site(bench: GoogleBench) -> None:
    _accounts(bench)
    workspace_id = await _connected(bench, "T1", "bo@globex.test")
    only_site = await bench.connections.resolve_target(workspace_id=workspace_id, channel_id="C1")
    assert only_site.site_url == "https://globex.test/"  # the lone site was auto-selected, the two properties not
    with pytest.raises(NoPropertyChosen):
        only_site.require_property()
    await bench.choices.choose_property(workspace_id=workspace_id, user_id="U1", channel_id="", raw="222")
    await bench.choices.choose_property(workspace_id=workspace_id, user_id="U1", channel_id="C9", raw="223")

    default = await bench.connections.resolve_target(workspace_id=workspace_id, channel_id="C1")
    override = await bench.connections.resolve_target(workspace_id=workspace_id, channel_id="C9")

    assert (default.property_id, default.site_url) == ("222", "https://globex.test/")
    assert (override.property_id, override.site_url) == ("223", "https://globex.test/")
    await bench.choices.reset_channel(workspace_id=workspace_id, channel_id="C9")
    assert (await bench.connections.resolve_target(workspace_id=workspace_id, channel_id="C9")).property_id == "222"


async def test_a_sync_google_client_refreshing_in_its_thread_goes_through_the_service(bench: GoogleBench) -> None:
    _accounts(bench)
    workspace_id = await _connected(bench, "T1", "ana@acme.test")
    credentials = await bench.connections.credentials_for(workspace_id=workspace_id)
    old_token = credentials.token
    bench.google.expire_access_tokens()  # Google rejects the token early; the library refreshes after a 401
    refreshes_before = len(bench.google.refresh_exchanges())

    await asyncio.to_thread(credentials.refresh, Request())

    assert credentials.token != old_token and credentials.valid
    assert len(bench.google.refresh_exchanges()) == refreshes_before + 1
    again = await bench.connections.credentials_for(workspace_id=workspace_id)
    assert again.token == credentials.token  # the new token was stored for everyone


async def test_disconnect_revokes_at_google_and_forgets_everything(bench: GoogleBench) -> None:
    _accounts(bench)
    workspace_id = await _connected(bench, "T1", "ana@acme.test")
    [refresh_token] = bench.google.refresh_tokens_issued()

    assert await bench.choices.disconnect(workspace_id=workspace_id) == Disconnected.GOOGLE

    assert bench.google.revoked_tokens == [refresh_token]
    async with bench.services.database.session() as session:
        assert await repo.get_connection(session=session, workspace_id=workspace_id) is None
        assert await repo.list_choices(session=session, workspace_id=workspace_id) == []
    with pytest.raises(GoogleNotConnected):
        await bench.connections.credentials_for(workspace_id=workspace_id)
    assert await bench.choices.disconnect(workspace_id=workspace_id) == Disconnected.NOTHING


async def test_the_admin_api_rejects_requests_without_a_valid_token(bench: GoogleBench) -> None:
    _accounts(bench)
    async with aiohttp.ClientSession() as http:
        url = f"{bench.services.settings.ga4_admin_api_url}/v1beta/accountSummaries"
        async with http.get(url, headers={"Authorization": "Bearer ya29.forged"}) as response:
            body = await response.json()
    assert response.status == 401 and body["error"]["status"] == "UNAUTHENTICATED"


async def test_a_workspaces_clients_are_built_once_and_rebuilt_when_its_token_is_not_theirs(bench: GoogleBench) -> None:
    _accounts(bench)
    bench.google.access_token_lifetime = 60
    acme = await _connected(bench, "T1", "ana@acme.test")
    globex = await _connected(bench, "T2", "bo@globex.test")
    acme_target = await bench.connections.resolve_target(workspace_id=acme, channel_id=None)
    globex_target = await bench.connections.resolve_target(workspace_id=globex, channel_id=None)

    first = await bench.connections.clients_for(target=acme_target)
    again = await bench.connections.clients_for(target=acme_target)
    other = await bench.connections.clients_for(target=globex_target)
    bench.clock.advance(timedelta(seconds=40))  # due for renewal: credentials_for hands out a new token
    renewed = await bench.connections.clients_for(target=acme_target)

    assert again is first
    assert other is not first and other.ga4 is not first.ga4
    assert renewed is not first
    assert await bench.connections.clients_for(target=acme_target) is renewed
