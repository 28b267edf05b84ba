"""Two follow-ups in one thread answered at the same time, by two replicas (two connection pools), keep both turns."""

from __future__ import annotations

import asyncio

import pytest

from bot.fakes.anthropic import FakeAnthropic
from bot.fakes.llm_script import Reply
from bot.llm.messages import load_conversation
from storage.db import Database
from storage.repos import agent as repo
from tests.bot.agent.test_turns import ask, service, workspace_id


@pytest.mark.parametrize("new_thread", [False, True], ids=["follow-ups", "both-as-new-thread"])
async def test_concurrent_follow_ups_on_two_replicas_lose_no_message(database: Database, new_thread: bool) -> None:
    # Given two replicas (each its own pool on the same database) and a model that takes a moment to answer
    # (with `new_thread` both store as a thread's first turn: one creates the row, the other finds it and appends),
    other_replica = Database(database.url.render_as_string(hide_password=False))
    try:
        async with FakeAnthropic(delay=0.3) as fake:
            fake.script(Reply(text="First answer."), Reply(text="Second answer."))
            ws = await workspace_id(database)
            replicas = [service(database, fake), service(other_replica, fake)]

            # when two questions in the same (new) thread are answered at once, one per replica,
            outcomes = await asyncio.gather(
                *(
                    ask(agent, question, workspace_id=ws, thread_ts="7.0", new_thread=new_thread)
                    for agent, question in zip(replicas, ("first question?", "second question?"), strict=True)
                )
            )
    finally:
        await other_replica.dispose()

    # then the thread's stored conversation holds both questions and both answers, and counts two turns.
    assert all(outcome.text for outcome in outcomes)
    async with database.session() as session:
        stored = await repo.get_conversation(session=session, workspace_id=ws, channel_id="C1", thread_ts="7.0")
    assert stored is not None and stored.turns == 2
    texts = [message.text for message in load_conversation(stored.messages_json)]
    assert sorted(texts) == sorted(["first question?", "second question?", "First answer.", "Second answer."])
