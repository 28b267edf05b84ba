"""A `/lookout connect` link works only for the Slack user who asked for it (Sign in with Slack binds it): a
forwarded link opened by another Slack identity ends on a page that says so and connects nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from sqlmodel import select

from bot.fakes.slack_api import FakeSlack
from bot.text import google as messages
from bot.text import google_pages as page_messages
from storage.tables import GoogleConnection, GoogleOAuthState
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.consent import sign_in_through_link
from tests.helpers.slack_requests import DEFAULT_TEAM, DEFAULT_USER
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty

BOB = "U0BOB"


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogleAuth]:
    async with FakeGoogleAuth() as fake:
        fake.add_account("ana@acme.test", properties=[FakeProperty("1", "Acme web")])
        fake.add_account("bob@gmail.test", properties=[FakeProperty("2", "Bob's blog")])
        yield fake


@pytest.fixture
async def app(start_app: StartApp, google: FakeGoogleAuth, fake_slack: FakeSlack) -> RunningApp:
    fake_slack.add_user(BOB, is_admin=True)  # even another admin may not use Alice's link
    return await start_app(**google.settings_overrides())


async def _link(app: RunningApp) -> str:
    """Alice runs `/lookout connect`; the link on her Connect Google button."""
    before = len(app.slack.responses)
    await app.command("connect")
    answer = (await app.slack.wait_for_responses(before + 1))[before].body
    await app.settle()
    [button] = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return str(button["url"])


async def _connections(app: RunningApp) -> list[Any]:
    async with app.services.database.session() as session:
        return list((await session.execute(select(GoogleConnection))).scalars())


async def test_a_forwarded_link_opened_by_another_slack_user_connects_nothing(
    app: RunningApp, google: FakeGoogleAuth, fake_slack: FakeSlack
) -> None:
    link = await _link(app)

    # when Bob, signed in to Slack as himself, opens Alice's link
    google.consent_as("bob@gmail.test")
    async with aiohttp.ClientSession() as browser:
        answer = await sign_in_through_link(browser, link, slack=fake_slack, user_id=BOB)
        page = await answer.text()

    # then the page says the link is someone else's, and Google was never asked
    assert answer.status == 403
    assert page_messages.PAGE_WRONG_PERSON.title in page and "nothing was connected" in page
    assert google.authorization_requests == [] and google.exchanges == []
    assert await _connections(app) == []
    # Slack was asked only who he is, in this workspace
    [authorize] = fake_slack.openid.authorize_requests
    assert authorize["scope"] == "openid" and authorize["team"] == DEFAULT_TEAM

    # while Alice herself can still use it, and connects her account
    google.consent_as("ana@acme.test")
    async with aiohttp.ClientSession() as browser:
        answer = await sign_in_through_link(browser, link, slack=fake_slack, user_id=DEFAULT_USER)
        assert answer.status == 302 and answer.headers["Location"].startswith(google.url)
        async with browser.get(answer.headers["Location"], allow_redirects=False) as consent:
            callback = consent.headers["Location"]
        async with browser.get(callback) as done:
            assert done.status == 200
    await app.settle()
    [connection] = await _connections(app)
    assert connection.connected_by_user_id == DEFAULT_USER
    assert [exchange.grant_type for exchange in google.exchanges] == ["authorization_code"]

    # and the link is spent: opening it again (even as Alice) is refused
    async with aiohttp.ClientSession() as browser:
        again = await sign_in_through_link(browser, link, slack=fake_slack, user_id=DEFAULT_USER)
    assert again.status == 400


async def test_the_same_user_id_in_another_workspace_is_someone_else(app: RunningApp, fake_slack: FakeSlack) -> None:
    link = await _link(app)

    async with aiohttp.ClientSession() as browser:
        answer = await sign_in_through_link(browser, link, slack=fake_slack, user_id=DEFAULT_USER, team_id="T0OTHER")

    assert answer.status == 403
    assert await _connections(app) == []


async def test_the_link_state_alone_cannot_finish_a_consent_at_google(
    app: RunningApp, google: FakeGoogleAuth, fake_slack: FakeSlack
) -> None:
    # given someone who copied the link and goes to Google's consent page with its state, skipping Slack
    link = await _link(app)
    state = parse_qs(urlsplit(link).query)["state"][0]
    google.consent_as("bob@gmail.test")
    params = {
        "client_id": google.client_id,
        "redirect_uri": app.settings.google_redirect_uri,
        "response_type": "code",
        "scope": "https://www.googleapis.com/auth/analytics.readonly",
        "access_type": "offline",
        "state": state,
    }
    async with aiohttp.ClientSession() as browser:
        async with browser.get(f"{google.url}/o/oauth2/v2/auth?{urlencode(params)}", allow_redirects=False) as page:
            callback = page.headers["Location"]
        async with browser.get(callback, allow_redirects=False) as answer:
            status, text = answer.status, await answer.text()

    # then Lookout's callback refuses it and exchanges nothing
    assert status == 400 and "This link has expired" in text and "Nothing was changed" in text
    assert google.exchanges == []
    assert await _connections(app) == []


async def test_an_id_token_for_another_sign_in_attempt_is_refused(app: RunningApp, fake_slack: FakeSlack) -> None:
    # given Alice's link, and a Slack sign-in started with another nonce (a replayed or injected sign-in)
    link = await _link(app)
    fake_slack.sign_in_as(DEFAULT_USER)
    async with aiohttp.ClientSession() as browser:
        async with browser.get(link, allow_redirects=False) as start:
            to_slack = start.headers["Location"]
        parts = urlsplit(to_slack)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        query["nonce"] = "someone-elses-nonce"
        async with browser.get(
            f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}", allow_redirects=False
        ) as slack_page:
            back = slack_page.headers["Location"]
        async with browser.get(back, allow_redirects=False) as answer:
            status, text = answer.status, await answer.text()

    assert status == 400 and page_messages.PAGE_SIGN_IN_FAILED.title.replace("'", "&#x27;") in text
    assert await _connections(app) == []


async def test_cancelling_sign_in_with_slack_connects_nothing(app: RunningApp, fake_slack: FakeSlack) -> None:
    link = await _link(app)
    fake_slack.openid.deny_next = True

    async with aiohttp.ClientSession() as browser:
        answer = await sign_in_through_link(browser, link, slack=fake_slack, user_id=DEFAULT_USER)

    assert answer.status == 200 and "cancelled" in await answer.text()
    assert await _connections(app) == []


async def test_without_sign_in_with_slack_no_link_is_handed_out(start_app: StartApp, google: FakeGoogleAuth) -> None:
    # given a single-workspace Lookout without the app's client pair
    app = await start_app(slack_client_id=None, slack_client_secret=None, **google.settings_overrides())

    await app.command("connect")
    [answer] = await app.slack.wait_for_responses(1)
    await app.settle()

    assert answer.body["text"] == messages.CONSENT_UNBOUND
    async with app.services.database.session() as session:
        assert list((await session.execute(select(GoogleOAuthState))).scalars()) == []
