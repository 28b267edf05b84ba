"""Making text safe for Slack: escape every interpolated value, and defuse mentions in model output.

Slack treats `<…>` as control sequences (links, user and channel mentions, `<!channel>` broadcasts), so any
value that came from outside (GA4 page titles, search queries, a model's words) must not be able to form one.
"""

from __future__ import annotations

import re

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

# Special mentions and user/group mentions, in raw or already-escaped form, with or without a label.
_BROADCAST = re.compile(
    r"<\s*!\s*(?:channel|here|everyone|subteam\^[^>|]*)(?:\|[^>]*)?>"
    r"|<\s*@\s*[UWB][A-Z0-9]+(?:\|[^>]*)?>"
    r"|&lt;\s*!\s*(?:channel|here|everyone|subteam\^[^&|]*)(?:\|.*?)?&gt;"
    r"|&lt;\s*@\s*[UWB][A-Z0-9]+(?:\|.*?)?&gt;",
    re.IGNORECASE,
)
# Bare words that would still notify in some clients when echoed back as text.
_BARE_BROADCAST = re.compile(r"(?<![\w`])@(channel|here|everyone)\b", re.IGNORECASE)


def escape(value: object) -> str:
    """Escape `&`, `<` and `>` so the value shows as written and cannot form a Slack control sequence."""
    return str(value).translate(_ESCAPES)


def strip_mentions(text: str) -> str:
    """Remove `<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>` and `<@U…>` from model-generated text."""
    text = _BROADCAST.sub("", text)
    return _BARE_BROADCAST.sub(r"\1", text)


def safe_model_text(text: str) -> str:
    """Model output ready for a Slack `mrkdwn` field: mentions removed, then every `<`, `>` and `&` escaped.

    Escaping after stripping means a mention split across a removal (`<<!here>!channel>`) cannot re-form.
    """
    return escape(strip_mentions(text))
