"""The pages a browser lands on after Google's and Slack's sign-in screens are finished pages: the product, what
happened, which account and property/site are now used, the next step, and "Back to Slack" into the workspace."""

from __future__ import annotations

import html
from datetime import timedelta

from bot.text import google_pages as page_messages
from tests.bot.google.conftest import GoogleBench
from tests.helpers.consent import google_consent_url, sign_in_through_link
from tools.fakes.google_auth import ANALYTICS_READONLY, FakeProperty, FakeSite

TEAM = "T0ACME"


def _back_to(page: str, team_id: str) -> bool:
    return (
        f'href="slack://open?team={team_id}">Back to Slack</a>' in page
        and f'href="https://app.slack.com/client/{team_id}"' in page
    )


def _accounts(bench: GoogleBench) -> None:
    bench.google.add_account(
        "ana@acme.test",
        properties=[FakeProperty("123456", "Acme web", time_zone="Europe/Paris")],
        sites=[FakeSite("sc-domain:acme.test")],
    )
    bench.google.add_account(
        "many@acme.test",
        properties=[FakeProperty("1", "Acme web"), FakeProperty("2", "Acme app")],
        sites=[FakeSite("https://a.test/"), FakeSite("https://b.test/")],
    )


async def test_success_names_the_account_property_and_site_and_leads_back_to_the_workspace(
    bench: GoogleBench,
) -> None:
    _accounts(bench)
    workspace_id = await bench.workspace(TEAM, "Acme")

    status, page = await bench.connect(workspace_id, "ana@acme.test")

    assert status == 200
    assert "<p class=product>Lookout</p><h1>Google is connected</h1>" in page
    assert "<dt>Google account</dt><dd>ana@acme.test</dd>" in page
    assert "<dt>GA4 property</dt><dd>Acme web (properties/123456)</dd>" in page
    assert "<dt>Search Console site</dt><dd>sc-domain:acme.test</dd>" in page
    assert "<strong>Next:</strong> Back in Slack, @-mention Lookout with a question" in page
    assert _back_to(page, TEAM)
    # and the DM says the same account
    assert any("Google is connected as ana@acme.test" in str(dm["text"]) for dm in bench.dms("U1"))


async def test_success_with_several_properties_says_what_to_choose_next(bench: GoogleBench) -> None:
    _accounts(bench)
    workspace_id = await bench.workspace(TEAM)

    status, page = await bench.connect(workspace_id, "many@acme.test")

    assert status == 200 and "<dd>many@acme.test</dd>" in page
    assert "<dt>GA4 property</dt><dd>not chosen yet</dd>" in page
    assert "choose the GA4 property and Search Console site in the message Lookout just sent you" in page


async def test_a_replayed_callback_says_it_was_already_used(bench: GoogleBench) -> None:
    _accounts(bench)
    workspace_id = await bench.workspace(TEAM)
    bench.google.consent_as("ana@acme.test")
    callback = await bench.consent(await bench.authorization_url(workspace_id))
    assert (await bench.callback(callback))[0] == 200

    status, page = await bench.callback(callback)

    assert status == 400
    assert "<h1>This link was already used</h1>" in page and "expired" not in page
    assert "/lookout status shows the connection" in page
    assert _back_to(page, TEAM)


async def test_an_expired_callback_says_it_expired_and_how_to_get_a_new_link(bench: GoogleBench) -> None:
    _accounts(bench)
    workspace_id = await bench.workspace(TEAM)
    bench.google.consent_as("ana@acme.test")
    callback = await bench.consent(await bench.authorization_url(workspace_id))
    bench.clock.advance(timedelta(minutes=11))

    status, page = await bench.callback(callback)

    assert status == 400
    assert "<h1>This link has expired</h1>" in page and "Nothing was changed" in page
    assert html.escape(page_messages.NEXT_CONNECT_AGAIN) in page
    assert _back_to(page, TEAM)


async def test_a_cancelled_consent_page(bench: GoogleBench) -> None:
    _accounts(bench)
    workspace_id = await bench.workspace(TEAM)
    bench.google.deny_consent()

    status, page = await bench.callback(await bench.consent(await bench.authorization_url(workspace_id)))

    assert status == 200
    assert "<h1>Google wasn&#x27;t connected</h1>" in page and "consent screen was cancelled" in page
    assert "Next:</strong> When you&#x27;re ready, run /lookout connect" in page
    assert _back_to(page, TEAM)


async def test_missing_scopes_name_the_account_and_what_was_not_granted(bench: GoogleBench) -> None:
    _accounts(bench)
    workspace_id = await bench.workspace(TEAM)

    status, page = await bench.connect(
        workspace_id, "ana@acme.test", granted_scopes=[ANALYTICS_READONLY, "openid", "email"]
    )

    assert status == 200
    assert "<h1>Connected, with something missing</h1>" in page
    assert "<dt>Google account</dt><dd>ana@acme.test</dd>" in page
    assert "<dt>Not granted</dt><dd>Search Console (read-only)</dd>" in page
    assert "leave every box ticked" in page
    assert _back_to(page, TEAM)


async def test_the_sign_in_with_slack_refusal_page(bench: GoogleBench) -> None:
    _accounts(bench)
    workspace_id = await bench.workspace(TEAM)
    link = await bench.link(workspace_id, user_id="U0ALICE")

    answer = await sign_in_through_link(bench.http, link, slack=bench.slack, user_id="U0BOB", team_id=TEAM)
    page = await answer.text()

    assert answer.status == 403
    assert "<p class=product>Lookout</p><h1>This link is for someone else</h1>" in page
    assert "run /lookout connect in Slack to get your own link" in page
    assert _back_to(page, TEAM)


async def test_a_consent_link_opened_again_after_use_says_it_was_already_used(bench: GoogleBench) -> None:
    _accounts(bench)
    workspace_id = await bench.workspace(TEAM)
    bench.google.consent_as("ana@acme.test")
    link = await bench.link(workspace_id)
    await bench.callback(
        await bench.consent(await google_consent_url(bench.http, link, slack=bench.slack, user_id="U1", team_id=TEAM))
    )

    async with bench.http.get(link, allow_redirects=False) as again:
        status, page = again.status, await again.text()

    assert status == 400 and "<h1>This link was already used</h1>" in page
    assert _back_to(page, TEAM)


def test_values_on_a_page_are_escaped_and_an_unknown_workspace_still_gets_a_way_back() -> None:
    page = page_messages.page_connected(email="<script>x</script>@a.test", property_label="A&B", site_url=None).render()

    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;@a.test" in page and "A&amp;B" in page
    assert 'href="slack://open">Back to Slack</a>' in page
    assert 'href="slack://open?team=' not in page_messages.PAGE_INVALID_STATE.for_team('"><b>').render()
