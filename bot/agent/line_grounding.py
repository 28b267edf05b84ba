"""The answer as it streams: held until a line is complete, then checked against the turn's data (grounding) and
shown; numbers the data does not hold are marked."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bot.agent.events import AnswerRestart, AnswerText, EventSink, ToolRun
from bot.agent.grounding import Grounder


class TurnGrounder:
    """The grounder for one turn: earlier tool results, this turn's, the question and the system prompt (what the
    answer may quote). Rebuilt only when new tool results arrived, not for every streamed line."""

    def __init__(self, *, earlier: Sequence[str], given: Sequence[str], runs: list[ToolRun]) -> None:
        self._earlier = list(earlier)
        self._given = list(given)
        self._runs = runs  # this turn's, appended to as tools come back
        self._built: tuple[int, Grounder] | None = None

    def __call__(self) -> Grounder:
        if self._built is None or self._built[0] != len(self._runs):
            fresh = [run.outcome.content for run in self._runs if not run.outcome.is_error]
            self._built = (len(self._runs), Grounder([*self._earlier, *fresh], given=self._given))
        return self._built[1]


class LineGrounder:
    """Holds streamed text until a line is complete, then grounds and releases it."""

    def __init__(self, grounder: Callable[[], Grounder], emit: EventSink, *, mark: str) -> None:
        self._grounder = grounder
        self._emit = emit
        self._mark = mark
        self._pending = ""
        self.shown: list[str] = []
        self.untraced: list[str] = []
        self.checked = 0
        self.emit_seconds = 0.0  # time spent showing text (Slack calls), which is not model time

    async def feed(self, delta: str) -> None:
        self._pending += delta
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            await self._release(line + "\n")

    async def flush(self) -> None:
        if self._pending:
            line, self._pending = self._pending, ""
            await self._release(line)

    async def _release(self, text: str) -> None:
        marked, report = self._grounder().check(text, mark=self._mark)
        self.untraced.extend(report.untraced)
        self.checked += report.checked
        self.shown.append(marked)
        started = time.perf_counter()
        await self._emit(AnswerText(marked))
        self.emit_seconds += time.perf_counter() - started

    async def restart(self, model: str) -> None:
        self._pending = ""
        self.shown.clear()
        self.untraced.clear()
        self.checked = 0
        await self._emit(AnswerRestart(model))
