"""The front door: only signed, fresh requests get in; acks are fast; health and metrics are served."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.response import BoltResponse

from bot.fakes.slack_api import FakeSlack
from bot.slack.web import MAX_BODY_BYTES, to_web_response
from storage.db import Database
from tests.helpers.app_harness import SIGNING_SECRET, RunningApp, StartApp
from tests.helpers.slack_requests import app_mention, event_envelope, send, signature, url_verification

# Slack's published example (docs.slack.dev, "Verifying requests from Slack").
VECTOR_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
VECTOR_TIMESTAMP = 1531420618
VECTOR_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
VECTOR_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_our_signing_helper_reproduces_slacks_published_vector() -> None:
    assert signature(VECTOR_BODY, signing_secret=VECTOR_SECRET, timestamp=VECTOR_TIMESTAMP) == VECTOR_SIGNATURE


async def test_slacks_published_request_replayed_today_is_refused_as_stale(
    start_app: StartApp, fake_slack: FakeSlack
) -> None:
    app: RunningApp = await start_app(slack_signing_secret=VECTOR_SECRET)

    response = await send(
        app.events_url,
        VECTOR_BODY,
        signing_secret=VECTOR_SECRET,
        content_type="application/x-www-form-urlencoded",
        signed=False,
        extra_headers={"X-Slack-Request-Timestamp": str(VECTOR_TIMESTAMP), "X-Slack-Signature": VECTOR_SIGNATURE},
    )

    assert response.status == 401
    assert fake_slack.calls == []


async def test_bad_missing_and_stale_signatures_get_401_and_nothing_is_posted(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    body = json.dumps(event_envelope(app_mention()))
    six_minutes_ago = int(time.time()) - 6 * 60

    wrong_secret = await send(slack_app.events_url, body, signing_secret="not-the-secret")
    unsigned = await send(slack_app.events_url, body, signing_secret=SIGNING_SECRET, signed=False)
    stale = await send(slack_app.events_url, body, signing_secret=SIGNING_SECRET, timestamp=six_minutes_ago)
    tampered = await send(
        slack_app.events_url,
        body.replace("organic", "paid"),
        signing_secret=SIGNING_SECRET,
        signed=False,
        extra_headers={
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": signature(body, signing_secret=SIGNING_SECRET, timestamp=int(time.time())),
        },
    )
    await asyncio.sleep(0.3)
    await slack_app.settle()

    assert [r.status for r in (wrong_secret, unsigned, stale, tampered)] == [401, 401, 401, 401]
    assert fake_slack.calls == []
    metrics = (await slack_app.get("/metrics"))[1]
    assert 'lookout_slack_requests_rejected_total{status="401"} 4.0' in metrics


async def test_url_verification_echoes_the_challenge(slack_app: RunningApp) -> None:
    response = await slack_app.sender.envelope(url_verification("a-challenge"))

    assert response.status == 200
    assert response.json() == {"challenge": "a-challenge"}


async def test_a_slow_handler_does_not_delay_the_ack(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    # given a message handler that cannot finish until the test lets it (a long agent turn, however long)
    release, finished = asyncio.Event(), asyncio.Event()

    async def slow_handler(*, message: object, client: object) -> None:
        await release.wait()
        finished.set()

    slack_app.message_handler = slow_handler  # type: ignore[assignment]

    # when a mention arrives, then Slack gets its 200 while the handler is still held: an ack that waited for it
    # would never come (the timeout only ends such a failing run; no clock decides a passing one)
    response = await asyncio.wait_for(slack_app.send_event(app_mention()), timeout=30)

    assert response.status == 200
    assert not finished.is_set()
    release.set()
    await asyncio.wait_for(finished.wait(), timeout=30)


async def test_healthz_answers_200_when_the_database_answers(slack_app: RunningApp) -> None:
    status, body = await slack_app.get("/healthz")

    assert status == 200
    assert json.loads(body)["status"] == "ok"


async def test_healthz_answers_503_when_the_database_does_not(start_app: StartApp, database: Database) -> None:
    app: RunningApp = await start_app()
    app.services.database = Database("postgresql://nobody@127.0.0.1:1/nothing")

    status, body = await app.get("/healthz")
    await app.services.database.dispose()
    app.services.database = database

    assert status == 503
    assert json.loads(body)["status"] == "unavailable"


async def test_metrics_count_received_acked_deduplicated_and_handler_latency(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    envelope = event_envelope(app_mention())
    await slack_app.sender.envelope(envelope)
    await slack_app.sender.envelope(envelope, retry_num=1)
    await slack_app.wait_for_calls("chat.postMessage")
    await asyncio.sleep(0.2)
    await slack_app.settle()

    async with aiohttp.ClientSession() as session, session.get(slack_app.url + "/metrics") as response:
        text = await response.text()
        content_type = response.headers["Content-Type"]

    assert content_type.startswith("text/plain")
    assert 'lookout_slack_requests_received_total{kind="event"} 2.0' in text
    assert 'lookout_slack_requests_acked_total{kind="event"} 2.0' in text
    assert 'lookout_slack_events_deduplicated_total{reason="event_id"} 1.0' in text
    assert 'lookout_handler_seconds_count{handler="mention"} 2.0' in text


async def test_a_body_over_a_mebibyte_is_refused_before_bolt_reads_it(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    # given a correctly signed mention padded past the body limit (so only the size can be the reason)
    body = json.dumps(event_envelope(app_mention("x" * (MAX_BODY_BYTES + 1))))

    response = await send(slack_app.events_url, body, signing_secret=SIGNING_SECRET)
    await asyncio.sleep(0.2)
    await slack_app.settle()

    assert response.status == 413
    assert fake_slack.calls == []


async def test_oauth_pages_are_not_cached_sniffed_framed_or_allowed_to_load_anything(
    multi_workspace_app: RunningApp,
) -> None:
    async with aiohttp.ClientSession() as browser:
        pages = [
            await browser.get(
                multi_workspace_app.url + path, params={"code": "c", "state": "forged"}, allow_redirects=False
            )
            for path in ("/slack/install", "/slack/oauth_redirect", "/google/oauth/callback")
        ]
        for page in pages:
            page.release()

    for page in pages:
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert [page.status for page in pages][1:] == [400, 503]  # a forged Slack state; Google not configured


async def test_metrics_need_the_bearer_token_when_one_is_set(start_app: StartApp) -> None:
    # given an operator who set LOOKOUT_METRICS_TOKEN
    app = await start_app(lookout_metrics_token="s3cret-scrape-token")

    async def scrape(headers: dict[str, str]) -> int:
        async with aiohttp.ClientSession() as session, session.get(app.url + "/metrics", headers=headers) as response:
            body = await response.text()
            assert ("lookout_slack_requests_received_total" in body) == (response.status == 200)
            return response.status

    # then a scrape without it, with a wrong one or another scheme is refused; the right one is served
    assert await scrape({}) == 401
    assert await scrape({"Authorization": "Bearer wrong"}) == 401
    assert await scrape({"Authorization": "Basic s3cret-scrape-token"}) == 401
    assert await scrape({"Authorization": "Bearer s3cret-scrape-token"}) == 200
    assert await scrape({"Authorization": "bearer s3cret-scrape-token"}) == 200


def _bolt_responses() -> list[BoltResponse]:
    """An event's ack, a modal's JSON answer, bolt's 404, a plain-text reply and one setting a cookie."""
    return [
        BoltResponse(status=200, body=""),
        BoltResponse(status=200, body={"response_action": "clear"}),
        BoltResponse(status=404, body={"error": "unhandled request"}),
        BoltResponse(status=200, body="ok"),
        BoltResponse(status=200, body="", headers={"set-cookie": ["state=abc; Path=/slack"]}),
    ]


async def _raw_answer(port: int, path: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
    answer = await reader.read()
    writer.close()
    # The Date header is the only line that may differ between two answers.
    return b"\r\n".join(line for line in answer.split(b"\r\n") if not line.startswith(b"Date: "))


@pytest.mark.parametrize("index", range(len(_bolt_responses())))
async def test_every_answer_reaches_slack_byte_for_byte_as_bolts_adapter_writes_it(index: int) -> None:
    # given a server answering one route with our conversion and one with bolt's adapter, from equal bolt responses
    async def ours(request: web.Request) -> web.Response:
        return await to_web_response(_bolt_responses()[index])

    async def bolts(request: web.Request) -> web.Response:
        return await to_aiohttp_response(_bolt_responses()[index])

    app = web.Application()
    app.router.add_post("/ours", ours)
    app.router.add_post("/bolts", bolts)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host="127.0.0.1", port=0).start()
    try:
        port = int(runner.addresses[0][1])
        # when each is asked, then the bytes on the wire are the same
        assert await _raw_answer(port, "/ours") == await _raw_answer(port, "/bolts")
    finally:
        await runner.cleanup()
