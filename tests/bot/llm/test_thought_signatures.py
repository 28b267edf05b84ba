"""Gemini 3 thought signatures over the wire: they return on the call they belong to, however they were streamed."""

from __future__ import annotations

import pytest

from bot.fakes.gemini import FakeGemini
from bot.fakes.llm_script import LLMFakeServer, Reply, ScriptedToolCall
from bot.llm.base import complete
from bot.llm.messages import Message, TextPart, ToolResultPart, user_text
from tests.bot.llm.conftest import make_model
from tests.bot.llm.test_providers import request_with

WEEK = {"metrics": ["sessions"], "date_ranges": []}


@pytest.mark.parametrize("late", [False, True])
async def test_the_signature_goes_back_on_the_first_call_even_when_streamed_on_its_own(
    fakes: dict[str, LLMFakeServer], late: bool
) -> None:
    # Given Gemini streams two parallel calls, with the turn's signature on the first or alone in a last chunk
    fake = fakes["gemini"]
    assert isinstance(fake, FakeGemini)
    fake.late_signatures = late
    fake.script(
        Reply(
            thinking=("Plan the two reports.",),
            tool_calls=(ScriptedToolCall("ga4_run_report", WEEK), ScriptedToolCall("ga4_run_report", WEEK)),
        ),
        Reply(text="ok"),
    )
    model = make_model("gemini", fake, model="gemini-3.8-flash")

    first = await complete(model, request_with(user_text("hi")))
    results = Message(
        role="user",
        parts=tuple(ToolResultPart(call_id=c.id, name=c.name, content="{}") for c in first.message.tool_calls),
    )
    await complete(model, request_with(user_text("hi"), first.message, results))

    # Then the replayed turn carries the issued signature on its first call, not the stand-in, and no thought text
    replayed = fake.requests[1].body["contents"][1]["parts"]
    assert ["functionCall" in part for part in replayed] == [True, True]
    assert replayed[0]["thoughtSignature"] in fake.issued_signatures
    assert not [part for part in first.message.parts if isinstance(part, TextPart) and part.text]
    assert fake.requests[1].rejected is None
