"""The Google connection as a person meets it in Slack, over HTTP: the real app, fake Slack, fake Google."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import aiohttp
import pytest

from bot.config.logs import RedactingFilter
from bot.fakes.slack_api import FakeSlack
from bot.google.connection import google_connections
from bot.text import google as messages
from storage.repos import google as repo
from storage.repos.workspaces import get_workspace
from tests.bot.slack.test_oauth_install import all_stored_text, install
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.consent import google_consent_url
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_TEAM, DEFAULT_USER, app_home_opened, send
from tools.fakes.google_auth import ANALYTICS_READONLY, WEBMASTERS_READONLY, FakeGoogleAuth, FakeProperty, FakeSite


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogleAuth]:
    async with FakeGoogleAuth() as fake:
        yield fake


async def _lookout(app: RunningApp, text: str, **fields: Any) -> dict[str, Any]:
    """Run `/lookout text` and return the (ephemeral) answer posted to the response_url."""
    before = len(app.slack.responses)
    ack = await app.command(text, **fields)
    assert ack.status == 200
    responses = await app.slack.wait_for_responses(before + 1)
    await app.settle()
    return dict(responses[before].body)


def _buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Google buttons among `blocks` (App Home also offers admins its "Choose managers" button)."""
    return [
        element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("google_")
    ]


async def _browser_consents(
    app: RunningApp, link: str, *, user_id: str = DEFAULT_USER, team_id: str = DEFAULT_TEAM
) -> tuple[int, str, str]:
    """Follow the Connect button, signed in to Slack as `user_id`, through Google's consent page back to Lookout."""
    async with aiohttp.ClientSession() as browser:
        authorization_url = await google_consent_url(browser, link, slack=app.slack, user_id=user_id, team_id=team_id)
        async with browser.get(authorization_url, allow_redirects=False) as consent:
            assert consent.status == 302
            callback = consent.headers["Location"]
        assert callback.startswith(app.url + "/google/oauth/callback?")
        async with browser.get(callback, allow_redirects=False) as page:
            return page.status, await page.text(), callback


async def _connect(app: RunningApp, google: FakeGoogleAuth, email: str, **fields: Any) -> tuple[int, str, str]:
    answer = await _lookout(app, "connect", **fields)
    [button] = _buttons(answer["blocks"])
    google.consent_as(email)
    person = {"user_id": fields.get("user_id", DEFAULT_USER), "team_id": fields.get("team_id", DEFAULT_TEAM)}
    result = await _browser_consents(app, button["url"], **person)
    await app.settle()
    return result


def _dms(slack: FakeSlack, user_id: str = DEFAULT_USER) -> list[dict[str, Any]]:
    return [dict(call.params) for call in slack.calls_to("chat.postMessage") if call.get("channel") == user_id]


async def test_connect_then_auto_selection_then_status(start_app: StartApp, google: FakeGoogleAuth) -> None:
    google.add_account(
        "ana@acme.test",
        properties=[FakeProperty("123456", "Acme web", account_name="Acme")],
        sites=[FakeSite("sc-domain:acme.test")],
    )
    app = await start_app(**google.settings_overrides())

    # /lookout connect answers a Connect Google button: Lookout's link, which leads its person to Google's consent page
    answer = await _lookout(app, "connect")
    [button] = _buttons(answer["blocks"])
    assert button["text"]["text"] == "Connect Google"
    assert button["url"].startswith(app.url + "/google/oauth/start?state=")
    async with aiohttp.ClientSession() as browser:
        consent = await google_consent_url(browser, button["url"], slack=app.slack, user_id=DEFAULT_USER)
    params = {key: values[0] for key, values in parse_qs(urlsplit(consent).query).items()}
    assert consent.startswith(google.url + "/o/oauth2/v2/auth?")
    assert params["redirect_uri"] == app.url + "/google/oauth/callback"
    assert params["scope"].split() == [ANALYTICS_READONLY, WEBMASTERS_READONLY, "openid", "email"]
    assert (params["access_type"], params["prompt"], params["code_challenge_method"]) == ("offline", "consent", "S256")

    # the person consents; Google sends them back with a code
    google.consent_as("ana@acme.test")
    async with aiohttp.ClientSession() as browser:
        async with browser.get(consent, allow_redirects=False) as google_page:
            callback = google_page.headers["Location"]
        async with browser.get(callback, allow_redirects=False) as page_response:
            status, page = page_response.status, await page_response.text()
    await app.settle()

    # the page names the product, the account and what Lookout will now read, and leads back to this workspace
    assert status == 200 and "<p class=product>Lookout</p>" in page and "<h1>Google is connected</h1>" in page
    assert "<dt>Google account</dt><dd>ana@acme.test</dd>" in page
    assert "<dt>GA4 property</dt><dd>Acme web (properties/123456)</dd>" in page
    assert "<dt>Search Console site</dt><dd>sc-domain:acme.test</dd>" in page
    assert f'href="slack://open?team={DEFAULT_TEAM}">Back to Slack</a>' in page
    assert f'href="https://app.slack.com/client/{DEFAULT_TEAM}"' in page
    assert "Next:</strong> Back in Slack, @-mention Lookout" in page
    async with app.services.database.session() as session:
        workspace_id = await _workspace_id(app)
        connection = await repo.get_connection(session=session, workspace_id=workspace_id)
    assert connection is not None and connection.connected_by_user_id == DEFAULT_USER
    texts = [str(dm["text"]) for dm in _dms(app.slack)]
    assert any("Acme web" in text and "sc-domain:acme.test" in text for text in texts)

    # /lookout status shows it all
    status_answer = await _lookout(app, "status")
    assert "✅ working" in status_answer["text"]
    assert f"<@{DEFAULT_USER}>" in status_answer["text"]
    assert "Acme web (properties/123456)" in status_answer["text"]
    assert "sc-domain:acme.test" in status_answer["text"]
    assert f"<#{DEFAULT_CHANNEL}> uses the workspace's property and site." in status_answer["text"]
    assert "already connected" in (await _lookout(app, "connect"))["text"]


async def _workspace_id(app: RunningApp, team_id: str = DEFAULT_TEAM) -> int:
    async with app.services.database.session() as session:
        workspace = await get_workspace(session=session, enterprise_id=None, team_id=team_id)
    assert workspace is not None and workspace.id is not None
    return workspace.id


async def test_the_picker_sets_the_property_for_the_workspace(start_app: StartApp, google: FakeGoogleAuth) -> None:
    google.add_account(
        "ana@agency.test",
        properties=[FakeProperty("111", "Client A", account_id="1"), FakeProperty("222", "Client B", account_id="2")],
        sites=[FakeSite("https://a.test/"), FakeSite("https://b.test/")],
    )
    app = await start_app(**google.settings_overrides())
    await _connect(app, google, "ana@agency.test")
    [picker] = [dm for dm in _dms(app.slack) if dm.get("blocks") and "Which GA4 property" in str(dm["text"])]
    [actions] = [block for block in picker["blocks"] if block["type"] == "actions"]

    # the person picks "Client B" in the menu
    payload = {
        "type": "block_actions",
        "user": {"id": DEFAULT_USER, "team_id": DEFAULT_TEAM},
        "team": {"id": DEFAULT_TEAM, "domain": "lookout-test"},
        "api_app_id": "A0LOOKOUT",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "response_url": app.slack.response_url_for("picker"),
        "container": {"type": "message", "message_ts": "1.0", "channel_id": "D0ALICE"},
        "channel": {"id": "D0ALICE"},
        "actions": [
            {
                "type": "static_select",
                "action_id": messages.ACTION_PICK_PROPERTY,
                "block_id": actions["block_id"],
                "selected_option": {"text": {"type": "plain_text", "text": "Client B (222)"}, "value": "222"},
                "action_ts": "1.1",
            }
        ],
    }
    ack = await send(
        app.events_url,
        urlencode({"payload": json.dumps(payload)}),
        signing_secret=app.sender.signing_secret,
        content_type="application/x-www-form-urlencoded",
    )
    assert ack.status == 200
    [answer] = await app.slack.wait_for_responses(1, key="picker")
    await app.settle()

    assert "Client B" in answer.body["text"] and "for this workspace" in answer.body["text"]
    target = await google_connections(app.services).resolve_target(
        workspace_id=await _workspace_id(app), channel_id="C0OTHER"
    )
    assert target.property_id == "222"


async def test_a_measurement_id_is_refused_with_where_to_find_the_property_id(
    start_app: StartApp, google: FakeGoogleAuth
) -> None:
    google.add_account("ana@acme.test", properties=[FakeProperty("123456", "Acme")])
    app = await start_app(**google.settings_overrides())
    await _connect(app, google, "ana@acme.test")

    answer = await _lookout(app, "property G-8XK2L1ZQ9")

    assert "measurement ID" in answer["text"]
    assert "GA4 → Admin → Property details" in answer["text"]


async def test_a_revoked_grant_means_one_dm_then_reconnect_messages_never_a_stack_trace(
    start_app: StartApp, google: FakeGoogleAuth
) -> None:
    google.add_account("ana@acme.test", properties=[FakeProperty("1", "A"), FakeProperty("2", "B")])
    google.access_token_lifetime = 60  # every use needs a refresh
    app = await start_app(**google.settings_overrides())
    await _connect(app, google, "ana@acme.test")
    google.revoke_grants("ana@acme.test")
    dms_before = len(_dms(app.slack))

    first = await _lookout(app, "property 2")
    second = await _lookout(app, "site acme.test")
    third = await _lookout(app, "property", channel_id="C0OTHER")

    for answer in (first, second, third):
        assert "revoked or has expired" in answer["text"]
        assert "Traceback" not in answer["text"] and "invalid_grant" not in answer["text"]
    new_dms = _dms(app.slack)[dms_before:]
    assert len(new_dms) == 1
    assert [button["action_id"] for button in _buttons(new_dms[0]["blocks"])] == [messages.ACTION_CONNECT]
    status_answer = await _lookout(app, "status")
    assert "reconnect needed" in status_answer["text"]

    # the Reconnect button DMs a fresh consent link; reconnecting makes it work again
    await app.sender.action(action_id=messages.ACTION_CONNECT)
    await app.settle()
    link_dm = _dms(app.slack)[-1]
    [link] = _buttons(link_dm["blocks"])
    google.access_token_lifetime = 3600
    google.consent_as("ana@acme.test")
    status, _, _ = await _browser_consents(app, link["url"])
    await app.settle()
    assert status == 200
    assert "Got it" in (await _lookout(app, "property 2"))["text"]


async def test_a_replayed_callback_is_refused_without_a_second_token_exchange(
    start_app: StartApp, google: FakeGoogleAuth
) -> None:
    google.add_account("ana@acme.test", properties=[FakeProperty("1", "A")])
    app = await start_app(**google.settings_overrides())
    _, _, callback = await _connect(app, google, "ana@acme.test")

    status, page = await app.get(callback.removeprefix(app.url))
    forged_status, _ = await app.get("/google/oauth/callback?code=4/0Aforgedcodeforged&state=forged")

    assert (status, forged_status) == (400, 400)
    assert "This link was already used" in page
    assert len(google.code_exchanges()) == 1


async def test_disconnect_revokes_and_the_home_tab_offers_connect_again(
    start_app: StartApp, google: FakeGoogleAuth
) -> None:
    google.add_account("ana@acme.test", properties=[FakeProperty("1", "A")])
    app = await start_app(**google.settings_overrides())
    await app.send_event(app_home_opened())
    [before] = await app.wait_for_calls("views.publish")
    assert "Connect Google" in [b["text"]["text"] for b in _buttons(before.get("view")["blocks"])]
    await _connect(app, google, "ana@acme.test")

    await app.send_event(app_home_opened())
    publishes = await app.wait_for_calls("views.publish", 2)
    connected_buttons = [b["action_id"] for b in _buttons(publishes[1].get("view")["blocks"])]
    assert connected_buttons == [messages.ACTION_CONNECT, messages.ACTION_DISCONNECT]  # Reconnect, Disconnect

    answer = await _lookout(app, "disconnect")

    assert answer["text"] == messages.DISCONNECTED
    assert google.revoked_tokens == google.refresh_tokens_issued()
    assert "Google isn't connected yet" in (await _lookout(app, "status"))["text"]


async def test_two_workspaces_each_use_their_own_google_account(
    start_app: StartApp, google: FakeGoogleAuth, fake_slack: FakeSlack
) -> None:
    google.add_account(
        "ana@acme.test", properties=[FakeProperty("111", "Acme")], sites=[FakeSite("sc-domain:acme.test")]
    )
    google.add_account(
        "bo@globex.test", properties=[FakeProperty("222", "Globex")], sites=[FakeSite("sc-domain:globex.test")]
    )
    app = await start_app(mode="multi", **google.settings_overrides())
    # each workspace's installer connects it (the installer is a Lookout manager from the start)
    fake_slack.add_oauth_code("code-acme", team_id="T0ACME", team_name="Acme", installer_user_id="U0ANA")
    fake_slack.add_oauth_code("code-globex", team_id="T0GLOBEX", team_name="Globex", installer_user_id="U0BO")
    assert (await install(app, code="code-acme"))[0] < 400
    assert (await install(app, code="code-globex"))[0] < 400

    await _connect(app, google, "ana@acme.test", team_id="T0ACME", user_id="U0ANA")
    await _connect(app, google, "bo@globex.test", team_id="T0GLOBEX", user_id="U0BO")
    cross = await _lookout(app, "property 111", team_id="T0GLOBEX", user_id="U0BO")

    assert "can't see GA4 property `111`" in cross["text"]
    acme_status = await _lookout(app, "status", team_id="T0ACME", user_id="U0ANA")
    globex_status = await _lookout(app, "status", team_id="T0GLOBEX", user_id="U0BO")
    assert "Acme (properties/111)" in acme_status["text"] and "Globex" not in acme_status["text"]
    assert "Globex (properties/222)" in globex_status["text"] and "Acme" not in globex_status["text"]
    # each workspace's DMs went out with its own bot token
    tokens = {call.get("channel"): call.token for call in fake_slack.calls_to("chat.postMessage")}
    assert tokens["U0ANA"] != tokens["U0BO"]


async def test_no_google_token_is_stored_or_logged_in_plaintext(
    start_app: StartApp, google: FakeGoogleAuth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter())  # what `lookout serve` installs on its log handler
    google.add_account("ana@acme.test", properties=[FakeProperty("1", "A"), FakeProperty("2", "B")])
    app = await start_app(**google.settings_overrides())

    await _connect(app, google, "ana@acme.test")
    google.expire_access_tokens()  # Google answers 401 to the first token: a refresh passes another one through
    await _lookout(app, "property 2")
    await _lookout(app, "status")

    codes = [exchange.params["code"] for exchange in google.code_exchanges()]
    secrets = google.refresh_tokens_issued() + google.access_tokens_issued()
    assert len(secrets) >= 3
    stored = await all_stored_text(app.services.database)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in secrets:
        assert secret not in stored
        assert secret not in logged
    for code in codes:
        assert code not in logged and quote(code, safe="") not in logged


async def test_a_channel_gets_its_own_property_and_site_and_can_reset_them(
    start_app: StartApp, google: FakeGoogleAuth
) -> None:
    google.add_account(
        "ana@agency.test",
        properties=[FakeProperty("111", "Client A"), FakeProperty("222", "Client B")],
        sites=[FakeSite("https://a.test/"), FakeSite("sc-domain:b.test")],
    )
    app = await start_app(**google.settings_overrides())
    await _connect(app, google, "ana@agency.test")
    assert "Client A" in (await _lookout(app, "property properties/111"))["text"]
    assert "https://a.test/" in (await _lookout(app, "site a.test"))["text"]

    picker = await _lookout(app, "property here", channel_id="C0CLIENTB")
    own_property = await _lookout(app, "property 222 here", channel_id="C0CLIENTB")
    own_site = await _lookout(app, "site b.test here", channel_id="C0CLIENTB")
    status = await _lookout(app, "status", channel_id="C0CLIENTB")

    [actions] = [block for block in picker["blocks"] if block["type"] == "actions"]
    assert actions["block_id"] == messages.SCOPE_BLOCK_PREFIX + "C0CLIENTB"
    assert "in <#C0CLIENTB>" in own_property["text"] and "in <#C0CLIENTB>" in own_site["text"]
    assert "<#C0CLIENTB> uses property: Client B (properties/222) · site: sc-domain:b.test" in status["text"]
    await _lookout(app, "property reset here", channel_id="C0CLIENTB")
    back = await _lookout(app, "status", channel_id="C0CLIENTB")
    assert "<#C0CLIENTB> uses the workspace's property and site." in back["text"]


async def test_the_home_tab_disconnect_button_revokes_and_republishes(
    start_app: StartApp, google: FakeGoogleAuth
) -> None:
    google.add_account("ana@acme.test", properties=[FakeProperty("1", "A")])
    app = await start_app(**google.settings_overrides())
    await _connect(app, google, "ana@acme.test")

    await app.sender.action(action_id=messages.ACTION_DISCONNECT, view={"type": "home", "id": "V0HOME"})
    [publish] = await app.wait_for_calls("views.publish")

    assert google.revoked_tokens == google.refresh_tokens_issued()
    assert [b["action_id"] for b in _buttons(publish.get("view")["blocks"])] == [messages.ACTION_CONNECT]
    assert _dms(app.slack)[-1]["text"] == messages.DISCONNECTED


async def test_without_google_credentials_connect_says_what_the_admin_must_set(start_app: StartApp) -> None:
    app = await start_app()

    answer = await _lookout(app, "connect")

    assert "GOOGLE_CLIENT_ID" in answer["text"]
