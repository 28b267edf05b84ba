"""The agency's privacy guard: in a channel shared with another organisation (Slack Connect), a question may read
only that channel's own property and site. A tool call naming another client's gets an honest error (naming none
of the others) the model relays; nothing is asked of Google for it. Signed Slack requests → the real app and tool
contexts → the fake Google."""

from __future__ import annotations

from typing import Any

from bot.fakes.llm_script import LLMFakeServer, RecordedRequest, Reply, ScriptedToolCall
from tests.bot.agent.test_slack_agencies import LAST_WEEK, agency_app, google
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import DEFAULT_CHANNEL, app_mention, event_envelope
from tools.fakes.google import FakeGoogle

__all__ = ["google"]  # the agency's grant: Acme (this channel's) and Beta Shop


async def ask_in(app: RunningApp, text: str, *, shared: bool | None) -> None:
    """A mention whose envelope says the channel is shared (True), not (False), or says nothing (None)."""
    event = app_mention(text)
    envelope: dict[str, Any] = event_envelope(event)
    if shared is None:
        del envelope["is_ext_shared_channel"]
    else:
        envelope["is_ext_shared_channel"] = shared
    assert (await app.sender.envelope(envelope)).status == 200
    await app.settle(timeout=15)
    assert app.slack.thread_replies(event["channel"], event["ts"]), "no answer in the thread"


def script(claude: LLMFakeServer) -> None:
    claude.script(
        Reply(
            tool_calls=(
                ScriptedToolCall("ga4_run_report", {**LAST_WEEK, "property": "Acme"}),
                ScriptedToolCall("ga4_run_report", {**LAST_WEEK, "property": "beta"}),
                ScriptedToolCall(
                    "gsc_search_analytics", {"start_date": "28daysAgo", "end_date": "3daysAgo", "site": "beta.test"}
                ),
            )
        )
    )

    def relay(recorded: RecordedRequest) -> Reply:
        return Reply(text="Acme only: this channel is shared, so I can't read Beta here.")

    claude.responder = relay


async def test_a_shared_channel_reads_its_own_property_and_refuses_another_clients(
    start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer]
) -> None:
    claude = fakes["anthropic"]
    app = await agency_app(start_app, google, claude)
    script(claude)

    await ask_in(app, "compare Acme and Beta last week", shared=True)

    own, other, site = claude.requests[1].tool_results
    assert '"totals"' in own  # the channel's own property, named, is read
    for refused, kind in ((other, "GA4 property"), (site, "Search Console site")):
        assert f"shared with people from other organisations, so only its own {kind}" in refused
        assert "Beta" not in refused and "beta.test" not in refused  # the other clients stay unnamed
    assert "Acme (111)" in other and "sc-domain:acme.test" in site
    assert google.calls(resource="properties/222") == [] and google.calls(resource="sc-domain:beta.test") == []


async def test_without_the_envelopes_word_slack_is_asked_and_an_ordinary_channel_reads_every_client(
    start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer]
) -> None:
    claude = fakes["anthropic"]
    app = await agency_app(start_app, google, claude)
    app.slack.add_channel(DEFAULT_CHANNEL, ext_shared=True)
    script(claude)

    await ask_in(app, "compare Acme and Beta last week", shared=None)
    asked = len(app.slack.calls_to("conversations.info"))
    refused = claude.requests[1].tool_results[1]

    app.slack.add_channel(DEFAULT_CHANNEL, ext_shared=False)
    script(claude)
    await ask_in(app, "compare Acme and Beta last week", shared=False)

    assert asked >= 1 and "shared with people from other organisations" in refused
    acme, beta, _ = claude.requests[3].tool_results  # a channel of the workspace's own reads every client
    assert '"totals"' in acme and '"totals"' in beta
    assert google.calls(resource="properties/222") != []
