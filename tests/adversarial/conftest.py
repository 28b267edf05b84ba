"""The adversarial suite: Slack's own published payloads replayed, hostile input, hostile data.

It reuses the agent's end-to-end bench (the real app, the fake models over the wire, the fake Google) so what is
asserted is what crossed a wire: what FakeSlack received, what the model fakes were sent.
"""

from __future__ import annotations

import json
import re

from bot.fakes.slack_api import FakeSlack
from tests.bot.agent.test_slack_answers import agent_app, dataset, google
from tests.bot.llm.conftest import fakes

__all__ = ["agent_app", "assert_nothing_pings_or_links", "dataset", "everything_posted", "fakes", "google"]

# Every Web API method that puts text in front of people, and the response_url sink.
POSTING = (
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "chat.startStream",
    "chat.appendStream",
    "chat.stopStream",
    "views.publish",
    "views.open",
    "files.completeUploadExternal",
)


def everything_posted(slack: FakeSlack) -> str:
    """All text the bot sent to Slack, by any method or response URL, as one JSON string."""
    calls = [call.params for method in POSTING for call in slack.calls_to(method)]
    return json.dumps([calls, [response.body for response in slack.responses]], ensure_ascii=False)


def assert_nothing_pings_or_links(text: str, *, host: str = "evil.example") -> None:
    # Broadcasts and mentions as Slack parses them (raw `<…>`; escaped `&lt;…&gt;` shows as text).
    for control in ("<!channel", "<!here", "<!everyone", "<!subteam", "<@U0BOSS"):
        assert control not in text, control
    assert host not in text, f"{host} reached Slack in a linkable form"  # defanged it reads `evil[.]example`
    assert not re.search(r"\]\s*\(", text), "a Markdown link or image reached Slack"
    # Links Lookout builds itself (the report a source opens) are the only ones allowed, and only to Google's reports.
    assert not re.search(r"<(?:https?|mailto):(?!//(?:analytics|search)\.google\.com/)", text), (
        "Slack link markup reached Slack"
    )
