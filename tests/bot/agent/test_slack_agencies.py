"""An agency's workspace: one Google grant that sees several clients' properties and sites, a channel set to one of
them, and questions that name others. Signed Slack requests → the real connection and tool contexts → the fake Google
(OAuth, Admin API, GA4, Search Console on one server) → the answer and its footer in the fake Slack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.fakes.llm_script import LLMFakeServer, RecordedRequest, Reply, ScriptedToolCall
from bot.main.agent import build_agent_handler
from bot.platform.services import Services
from tests.bot.agent.test_slack_answers import ask, footer
from tests.bot.google.test_slack_flow import _connect, _lookout
from tests.helpers.app_harness import RunningApp, StartApp
from tools.fakes.google import FakeGoogle
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty, FakeSite
from tools.sample.dataset import PropertyDataset

# The data ends now (whole hours), so the real clock the OAuth flow needs and the tools' "yesterday" agree.
NOW = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
LAST_WEEK = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}
MODEL = "anthropic:claude-haiku-4-5"


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    auth = FakeGoogleAuth()
    auth.add_account(
        "ana@agency.test",
        properties=[
            FakeProperty("111", "Acme", account_name="Acme Inc"),
            FakeProperty("222", "Beta Shop", account_name="Beta GmbH", time_zone="Europe/Berlin", currency_code="EUR"),
        ],
        sites=[FakeSite("sc-domain:acme.test"), FakeSite("sc-domain:beta.test")],
    )
    auth.add_account(
        "bo@globex.test", properties=[FakeProperty("333", "Globex")], sites=[FakeSite("sc-domain:globex.test")]
    )
    async with FakeGoogle(auth=auth) as server:
        server.add_dataset(PropertyDataset(seed=1, now=NOW, days=30), property_id="111", site_url="sc-domain:acme.test")
        beta = PropertyDataset(seed=2, now=NOW, days=30, timezone="Europe/Berlin", currency="EUR")
        server.add_dataset(beta, property_id="222", site_url="sc-domain:beta.test")
        server.add_dataset(
            PropertyDataset(seed=3, now=NOW, days=30), property_id="333", site_url="sc-domain:globex.test"
        )
        yield server


async def agency_app(start_app: StartApp, google: FakeGoogle, claude: LLMFakeServer) -> RunningApp:
    """The app with the real Google tool contexts, connected as ana@agency.test, this channel set to Acme."""
    auth = google.auth
    assert isinstance(auth, FakeGoogleAuth)

    def configure(services: Services) -> object:
        return build_agent_handler(services)

    app = await start_app(
        configure=configure,
        anthropic_api_key="test-anthropic",
        anthropic_base_url=claude.url,
        lookout_models_fast=MODEL,
        lookout_models_deep=MODEL,
        **auth.settings_overrides(google.url),
    )
    await _connect(app, auth, "ana@agency.test")
    await _lookout(app, "property 111")
    await _lookout(app, "site sc-domain:acme.test")
    return app


def totals(recorded: RecordedRequest) -> list[int]:
    return [int(json.loads(result)["totals"][0]["values"]["sessions"]) for result in recorded.tool_results]


def compare(recorded: RecordedRequest) -> Reply:
    acme, beta = totals(recorded)
    return Reply(text=f"Acme had **{acme:,}** sessions last week and Beta Shop **{beta:,}**.")


async def test_a_question_naming_two_clients_reads_both_and_the_footer_names_both(
    start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer]
) -> None:
    claude = fakes["anthropic"]
    app = await agency_app(start_app, google, claude)
    claude.script(
        Reply(
            tool_calls=(
                ScriptedToolCall("ga4_run_report", LAST_WEEK),
                ScriptedToolCall("ga4_run_report", {**LAST_WEEK, "property": "beta"}),
            )
        )
    )
    claude.responder = compare

    answer = await ask(app, "compare sessions for Acme and Beta last week")

    acme, beta = totals(claude.requests[1])
    assert f"**{acme:,}**" in answer.text and f"**{beta:,}**" in answer.text and acme != beta
    read = {call.resource for call in google.calls("runReport")}
    assert read == {"properties/111", "properties/222"}
    shown = footer(answer)
    assert "GA4 · Acme (properties/111)" in shown and "GA4 · Beta Shop (properties/222)" in shown
    assert shown.index("Acme") < shown.index("Beta Shop")
    assert "#/p222/" in shown and "#/p111/" in shown  # each source opens its own property's report
    acme_task, beta_task = json.dumps(answer.tasks["task-1"]), json.dumps(answer.tasks["task-2"])
    assert "#/p111/" in acme_task and "#/p222/" not in acme_task
    assert "#/p222/" in beta_task and "#/p111/" not in beta_task  # the task links to what it read
    system = claude.requests[0].body["system"]
    assert "`property` / `site`" in json.dumps(system)


async def test_a_client_the_grant_cannot_see_is_refused_with_the_choices_and_never_requested(
    start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer]
) -> None:
    claude = fakes["anthropic"]
    app = await agency_app(start_app, google, claude)
    claude.script(
        Reply(
            tool_calls=(
                ScriptedToolCall("ga4_run_report", {**LAST_WEEK, "property": "Globex"}),
                ScriptedToolCall(
                    "gsc_search_analytics", {"start_date": "28daysAgo", "end_date": "3daysAgo", "site": "333"}
                ),
            )
        )
    )

    def honest(recorded: RecordedRequest) -> Reply:
        return Reply(text="I can't read Globex with this workspace's Google connection: only Acme and Beta Shop.")

    claude.responder = honest

    answer = await ask(app, "how many sessions did Globex have last week?")

    property_error, site_error = claude.requests[1].tool_results
    assert "No GA4 property 'Globex' is readable" in property_error
    assert "Acme (111), Beta Shop (222)" in property_error
    assert "No Search Console site '333' is readable" in site_error
    assert "sc-domain:acme.test, sc-domain:beta.test" in site_error
    assert google.calls(resource="properties/333") == [] and google.calls(resource="sc-domain:globex.test") == []
    assert google.calls("runReport") == []
    assert "Globex" not in footer(answer) and "properties/" not in footer(answer)


async def test_the_listing_is_cached_for_the_workspace_across_questions(
    start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer]
) -> None:
    claude = fakes["anthropic"]
    app = await agency_app(start_app, google, claude)
    auth = google.auth
    assert isinstance(auth, FakeGoogleAuth)
    auth.requests.clear()
    answers = []
    for question in ("sessions for Beta last week?", "and for Beta Shop the week before?"):
        claude.script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", {**LAST_WEEK, "property": "Beta"}),)))
        claude.responder = lambda recorded: Reply(text=f"**{totals(recorded)[0]:,}** sessions.")
        answers.append(await ask(app, question))
    first, second = answers
    listed = [path.split("?")[0] for _, path in auth.requests]

    assert listed.count("/v1beta/accountSummaries") == 1
    assert listed.count("/v1beta/properties/222") == 1
    assert "GA4 · Beta Shop (properties/222)" in footer(first) and "GA4 · Beta Shop (properties/222)" in footer(second)
    assert "Acme" not in footer(second)
