"""Which model list a question goes to: quick lookups to the fast models, analysis to the deep ones."""

from __future__ import annotations

import re

from bot.llm.registry import Depth

_ANALYSIS = re.compile(
    r"\b(why|explain|explanation|compare|comparison|versus|vs\.?|plan|strategy|strategi[sz]e|recommend\w*|suggest\w*|"
    r"should|diagnos\w*|investigat\w*|analy[sz]\w*|root cause|cause[sd]?|what happened|what changed|trend\w*|"
    r"forecast\w*|predict\w*|improve|optimi[sz]\w*|drivers?|impact|correlat\w*|insights?)\b",
    re.IGNORECASE,
)


def depth_for(question: str) -> Depth:
    """DEEP when the question asks for reasons, comparisons or a plan; FAST for lookups ("sessions yesterday?")."""
    return Depth.DEEP if _ANALYSIS.search(question) else Depth.FAST
