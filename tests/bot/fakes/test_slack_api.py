"""The fake Slack answers the real slack_sdk client in Slack's wire format."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.fakes.slack_api import FakeSlack
from bot.observe.metrics import Metrics
from bot.platform.slack.clients import retry_handlers


def client_for(slack: FakeSlack, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(
        token=token or slack.workspace.bot_token, base_url=slack.url, retry_handlers=retry_handlers(Metrics())
    )


async def test_post_update_and_stream_are_recorded_with_their_parameters(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)

    posted = await client.chat_postMessage(channel="C1", text="hello", thread_ts="1.0")
    await client.chat_update(channel="C1", ts=posted["ts"], text="hello again")
    stream = await client.chat_startStream(channel="C1", thread_ts="1.0", markdown_text="Organic ")
    await client.chat_appendStream(channel="C1", ts=stream["ts"], markdown_text="fell 18 %")
    stopped = await client.chat_stopStream(channel="C1", ts=stream["ts"], blocks=[{"type": "divider"}])

    assert fake_slack.calls_to("chat.postMessage")[0].get("thread_ts") == "1.0"
    assert fake_slack.messages[("C1", posted["ts"])].text == "hello again"
    assert stopped["message"]["text"] == "Organic fell 18 %"
    assert fake_slack.calls_to("chat.stopStream")[0].get("blocks") == [{"type": "divider"}]
    assert (
        fake_slack.calls_to("chat.postMessage")[0].headers["Authorization"]
        == f"Bearer {fake_slack.workspace.bot_token}"
    )


async def test_unknown_and_revoked_tokens_are_refused(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as unknown:
        await client_for(fake_slack, token="xoxb-nobody").auth_test()
    fake_slack.revoke(fake_slack.workspace.bot_token)
    with pytest.raises(SlackApiError) as revoked:
        await client_for(fake_slack).auth_test()

    assert unknown.value.response["error"] == "invalid_auth"
    assert revoked.value.response["error"] == "token_revoked"


async def test_a_429_with_retry_after_is_waited_out_and_delivered_once(fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit_next("chat.postMessage", retry_after=1)
    started = time.monotonic()

    await client_for(fake_slack).chat_postMessage(channel="C1", text="after the wait")

    attempts = fake_slack.calls_to("chat.postMessage")
    assert [call.status for call in attempts] == [429, 200]
    assert time.monotonic() - started >= 1.0
    assert len([m for m in fake_slack.messages.values() if m.text == "after the wait"]) == 1


async def test_queued_errors_answer_ok_false(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("views.publish", error="not_enabled")

    with pytest.raises(SlackApiError) as failed:
        await client_for(fake_slack).views_publish(user_id="U1", view={"type": "home", "blocks": []})
    await client_for(fake_slack).views_publish(user_id="U1", view={"type": "home", "blocks": []})

    assert failed.value.response["error"] == "not_enabled"
    assert fake_slack.home_views["U1"] == {"type": "home", "blocks": []}


async def test_files_upload_v2_goes_through_the_local_upload_url(fake_slack: FakeSlack) -> None:
    result = await client_for(fake_slack).files_upload_v2(
        channel="C1", thread_ts="1.0", filename="chart.png", content=b"\x89PNG fake", title="Sessions"
    )

    file_id = result["file"]["id"]
    assert fake_slack.uploads[file_id].content == b"\x89PNG fake"
    complete = fake_slack.calls_to("files.completeUploadExternal")[0]
    assert complete.get("channel_id") == "C1"
    assert complete.get("files") == [{"id": file_id, "title": "Sessions"}]


async def test_oauth_v2_access_exchanges_a_code_once(fake_slack: FakeSlack) -> None:
    fake_slack.add_oauth_code("code-1", team_id="T0NEW", team_name="New Co")
    client = AsyncWebClient(base_url=fake_slack.url)

    granted = await client.oauth_v2_access(
        client_id=fake_slack.client_id, client_secret=fake_slack.client_secret, code="code-1"
    )
    with pytest.raises(SlackApiError):
        await client.oauth_v2_access(
            client_id=fake_slack.client_id, client_secret=fake_slack.client_secret, code="code-1"
        )

    assert granted["team"]["id"] == "T0NEW"
    assert (await client_for(fake_slack, token=granted["access_token"]).auth_test())["team_id"] == "T0NEW"


async def test_response_url_posts_land_in_the_sink(fake_slack: FakeSlack) -> None:
    from slack_sdk.webhook.async_client import AsyncWebhookClient

    await AsyncWebhookClient(fake_slack.response_url_for("cmd-1")).send(text="only you can see this")

    posts = await fake_slack.wait_for_responses(1, key="cmd-1")
    assert posts[0].body["text"] == "only you can see this"


async def test_history_and_replies_return_what_the_bot_posted(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    parent = await client.chat_postMessage(
        channel="C1", text="digest", metadata={"event_type": "lookout_digest", "event_payload": {"period": "d1"}}
    )
    await client.chat_postMessage(channel="C1", text="in thread", thread_ts=parent["ts"])
    await client.chat_postMessage(channel="C1", text="later")

    history = await client.conversations_history(channel="C1", include_all_metadata=True)
    replies = await client.conversations_replies(channel="C1", ts=parent["ts"])

    assert [m["text"] for m in history["messages"]] == ["later", "digest"]
    assert history["messages"][1]["metadata"]["event_type"] == "lookout_digest"
    assert [m["text"] for m in replies["messages"]] == ["digest", "in thread"]


async def test_users_info_carries_slacks_role_fields_and_grid_org_roles(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U0OWNER", is_primary_owner=True)
    fake_slack.add_user("U0GUEST", is_ultra_restricted=True)
    client = client_for(fake_slack)

    owner = (await client.users_info(user="U0OWNER"))["user"]
    guest = (await client.users_info(user="U0GUEST"))["user"]
    member = (await client.users_info(user="U0NEW"))["user"]  # unknown people are ordinary members
    fake_slack.workspace.enterprise_id = "E0GRID"
    fake_slack.add_user("U0ORG", org_owner=True)
    org = (await client.users_info(user="U0ORG"))["user"]

    assert (owner["is_admin"], owner["is_owner"], owner["is_primary_owner"]) == (True, True, True)
    assert (guest["is_restricted"], guest["is_ultra_restricted"]) == (True, True)
    assert (member["is_admin"], member["is_restricted"], "enterprise_user" in member) == (False, False, False)
    assert org["enterprise_user"]["enterprise_id"] == "E0GRID"
    assert (org["is_admin"], org["enterprise_user"]["is_admin"], org["enterprise_user"]["is_owner"]) == (
        False,
        True,
        True,
    )


async def test_usergroups_are_listed_with_their_members(fake_slack: FakeSlack) -> None:
    fake_slack.add_usergroup("S0GROWTH", handle="growth-leads", members=["U1", "U2"])
    client = client_for(fake_slack)

    groups = (await client.usergroups_list())["usergroups"]
    members = (await client.usergroups_users_list(usergroup="S0GROWTH"))["users"]
    with pytest.raises(SlackApiError) as unknown:
        await client.usergroups_users_list(usergroup="S0NOPE")

    assert [(g["id"], g["handle"], g["user_count"]) for g in groups] == [("S0GROWTH", "growth-leads", 2)]
    assert members == ["U1", "U2"]
    assert unknown.value.response["error"] == "no_such_subteam"


async def test_sign_in_with_slack_gives_an_id_token_for_whoever_is_signed_in(fake_slack: FakeSlack) -> None:
    import base64
    import json
    from urllib.parse import parse_qs, urlencode, urlsplit

    import aiohttp

    fake_slack.sign_in_as("U0ALICE")
    query = {
        "response_type": "code",
        "scope": "openid",
        "client_id": fake_slack.client_id,
        "state": "s1",
        "nonce": "n1",
        "redirect_uri": "http://127.0.0.1:1/back",
    }
    async with aiohttp.ClientSession() as browser:
        url = f"{fake_slack.root_url}openid/connect/authorize?{urlencode(query)}"
        async with browser.get(url, allow_redirects=False) as page:
            back = parse_qs(urlsplit(page.headers["Location"]).query)
    client = AsyncWebClient(base_url=fake_slack.url)
    kwargs = {"client_id": fake_slack.client_id, "client_secret": fake_slack.client_secret}
    answer = await client.openid_connect_token(**kwargs, code=back["code"][0], redirect_uri=query["redirect_uri"])
    with pytest.raises(SlackApiError) as reused:
        await client.openid_connect_token(**kwargs, code=back["code"][0], redirect_uri=query["redirect_uri"])

    payload = answer["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert back["state"] == ["s1"] and answer["token_type"] == "Bearer"
    assert (claims["https://slack.com/user_id"], claims["https://slack.com/team_id"]) == ("U0ALICE", "T0LOOKOUT")
    assert (claims["aud"], claims["nonce"], claims["iss"]) == (fake_slack.client_id, "n1", fake_slack.root_url[:-1])
    assert reused.value.response["error"] == "invalid_code"


async def test_streamed_chunks_are_recorded_in_slacks_shape(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=fake_slack.workspace.bot_token, base_url=fake_slack.url)
    task = {"type": "task_update", "id": "t1", "title": "GA4: sessions", "status": "pending"}
    started = await client.chat_startStream(
        channel="C1", thread_ts="1.1", chunks=[task], task_display_mode="timeline", recipient_team_id="T1"
    )
    done = {**task, "status": "complete", "sources": [{"type": "url", "url": "https://example.com/r", "text": "Open"}]}
    await client.chat_appendStream(
        channel="C1", ts=started["ts"], chunks=[done, {"type": "markdown_text", "text": "Sessions rose."}]
    )
    await client.chat_stopStream(channel="C1", ts=started["ts"], chunks=[{"type": "markdown_text", "text": " Done."}])

    message = fake_slack.messages[("C1", started["ts"])]
    assert message.text == "Sessions rose. Done."
    assert message.tasks == {"t1": done}
    assert [chunk["type"] for chunk in message.chunks] == [
        "task_update",
        "task_update",
        "markdown_text",
        "markdown_text",
    ]
    assert message.task_display_mode == "timeline" and not message.streaming


@pytest.mark.parametrize(
    "chunk",
    [
        {"type": "task_update", "id": "t1", "title": "x", "status": "done"},  # not one of Slack's four statuses
        {"type": "task_update", "id": "t1", "title": "", "status": "pending"},
        {"type": "task_update", "id": "t1", "title": "x", "status": "error", "output": "x" * 257},
        {"type": "task_update", "id": "t1", "title": "x", "status": "complete", "sources": [{"url": "javascript:x"}]},
        {"type": "markdown_text"},
        {"type": "thinking", "text": "hm"},
    ],
)
async def test_malformed_chunks_are_refused(fake_slack: FakeSlack, chunk: dict[str, object]) -> None:
    client = AsyncWebClient(token=fake_slack.workspace.bot_token, base_url=fake_slack.url)
    with pytest.raises(SlackApiError) as refused:
        await client.chat_startStream(channel="C1", thread_ts="1.1", chunks=[chunk])
    assert refused.value.response["error"] == "invalid_arguments"


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}] * 51,  # more than 50 blocks
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}],
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x" * 3001}]}],
        [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "y" * 76}}]}],
        [{"type": "context_actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "b"}}]}],
        [{"type": "markdown", "text": "z" * 12_001}],
        [{"type": "divider", "block_id": "same"}, {"type": "divider", "block_id": "same"}],
    ],
)
async def test_blocks_past_block_kit_limits_are_refused(fake_slack: FakeSlack, blocks: list[object]) -> None:
    client = AsyncWebClient(token=fake_slack.workspace.bot_token, base_url=fake_slack.url)
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="x", blocks=blocks)
    assert refused.value.response["error"] == "invalid_blocks"
