"""A browser following a `/lookout connect` link: Lookout's link, Sign in with Slack (the fake), then Google."""

from __future__ import annotations

import aiohttp

from bot.fakes.slack_api import FakeSlack


async def sign_in_through_link(
    browser: aiohttp.ClientSession, link: str, *, slack: FakeSlack, user_id: str, team_id: str | None = None
) -> aiohttp.ClientResponse:
    """Open the consent link signed in to Slack as `user_id`; return Lookout's answer after Sign in with Slack
    (a redirect to Google's consent page for the link's own person, a page otherwise). The body is read."""
    slack.sign_in_as(user_id, team_id=team_id)
    async with browser.get(link, allow_redirects=False) as start:
        await start.read()
        if start.status != 302:
            return start
        to_slack = start.headers["Location"]
    async with browser.get(to_slack, allow_redirects=False) as slack_page:
        assert slack_page.status == 302, await slack_page.text()
        back = slack_page.headers["Location"]
    async with browser.get(back, allow_redirects=False) as answer:
        await answer.read()
        return answer


async def google_consent_url(
    browser: aiohttp.ClientSession, link: str, *, slack: FakeSlack, user_id: str, team_id: str | None = None
) -> str:
    """Where Lookout sends the link's own person after Sign in with Slack: Google's consent page."""
    answer = await sign_in_through_link(browser, link, slack=slack, user_id=user_id, team_id=team_id)
    assert answer.status == 302, await answer.text()
    return answer.headers["Location"]
