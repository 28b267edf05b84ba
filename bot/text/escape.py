"""Making text safe for Slack: escape every interpolated value, defuse mentions, and make links inert.

Slack treats `<…>` as control sequences (links, user and channel mentions, `<!channel>` broadcasts), so any
value that came from outside (GA4 page titles, search queries, a model's words) must not be able to form one.

Links too: answers go out as `markdown` blocks and streamed `markdown_text`, where `[Log in](https://evil.example)`
is a link whose words hide where it goes, and every surface turns a bare URL into one. Text that came from data,
a person or a model must never become a link Lookout vouches for, so `defuse_links` leaves the words and takes
away the link: a Markdown link keeps its label and loses its destination, a reference definition stops being
one, and a URL is shown defanged (`https[:]//evil[.]example/b`), readable but not clickable. Every rule works
within one line, so text streamed line by line (as the agent releases it) gets exactly what the whole would.
Links Lookout builds itself (buttons, `<url|label>` in our own sentences) never pass through here.

Formatting last: mrkdwn has no escape for `*`, `_`, `~` or a backtick, so a value holding one could close
Lookout's bold, italics or code early, or open its own. Inside formatting (`in_emphasis`, `in_code`) those
characters are shown as look-alikes that Slack does not read as markup; outside it they are left as written.
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


# Look-alikes Slack does not format with: asterisk operator, modifier letter low macron, tilde operator, modifier
# letter grave accent. Only inside formatting, where the real character would end it: a page path keeps its `_`.
_EMPHASIS_LOOKALIKES = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
_CODE_LOOKALIKES = str.maketrans({"`": "\u02cb"})


def in_emphasis(text: str) -> str:
    """Escaped text for inside `*…*`, `_…_` or `~…~`: its own formatting characters become look-alikes."""
    return text.translate(_EMPHASIS_LOOKALIKES)


def in_code(text: str) -> str:
    """Escaped text for inside backticks: a backtick becomes a look-alike (nothing else formats inside code)."""
    return text.translate(_CODE_LOOKALIKES)


def strip_mentions(text: str) -> str:
    """Remove `<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>` and `<@U…>` from model-generated text."""
    text = _BROADCAST.sub("", text)
    return _BARE_BROADCAST.sub(r"\1", text)


# A URL with a scheme (`https://`, `ftp://`, …) and its host[:port]; `mailto:` and friends without slashes.
_SCHEME_URL = re.compile(r"\b([a-z][a-z0-9+.\-]{0,31}):(//)?([^\s/?#<>()\[\]\"'`|]*)", re.IGNORECASE)
_SLASHLESS_SCHEMES = frozenset({"mailto", "tel", "sms", "javascript", "data", "vbscript", "file", "slack"})
# `www.host`, and `host.tld/…` or `host.tld:port`: what Slack and GitHub-style Markdown link without a scheme.
_WWW_HOST = re.compile(r"(?<![\w.@-])(www\.[^\s/?#<>()\[\]\"'`|:]+)", re.IGNORECASE)
_HOST_WITH_PATH = re.compile(r"(?<![\w.@/\-])((?:[a-z0-9-]+\.)+[a-z]{2,24})(?=/|:\d)", re.IGNORECASE)
# How far a Markdown link destination may run on its line; beyond that `](` is left as text (and broken up).
_MAX_DESTINATION = 2048


def defuse_links(text: str) -> str:
    """The same words with no link left in them (see the module's docstring); run before `escape`."""
    return "\n".join(_defuse_line(line) for line in text.split("\n"))


def _defuse_line(line: str) -> str:
    line = _drop_link_destinations(line)
    # `[label]: url` defines a link for `[label]` anywhere in the message; `] :` is no definition.
    line = line.replace("]:", "] :")
    line = _SCHEME_URL.sub(_defang_scheme_url, line)
    line = _WWW_HOST.sub(lambda match: match.group(1).replace(".", "[.]"), line)
    return _HOST_WITH_PATH.sub(lambda match: match.group(1).replace(".", "[.]"), line)


def _defang_scheme_url(match: re.Match[str]) -> str:
    scheme, slashes, authority = match.group(1), match.group(2), match.group(3)
    if not slashes and scheme.lower() not in _SLASHLESS_SCHEMES:
        return match.group(0)  # "Note: 3 sessions", "10:30": a word and a colon, not a link
    return f"{scheme}[:]{slashes or ''}{authority.replace('.', '[.]')}"


def _drop_link_destinations(line: str) -> str:
    """`[label](destination "title")` → `[label]`; an unclosed `](` becomes `] (` (no longer link syntax)."""
    parts: list[str] = []
    start = 0
    while (bracket := line.find("](", start)) >= 0:
        parts.append(line[start : bracket + 1])
        end = _closing_paren(line, bracket + 1)
        if end is None:
            parts.append(" (")
            start = bracket + 2
        else:
            start = end + 1
    parts.append(line[start:])
    return "".join(parts)


def _closing_paren(line: str, opening: int) -> int | None:
    depth = 0
    for index in range(opening, min(len(line), opening + _MAX_DESTINATION)):
        char = line[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


def safe_model_text(text: str) -> str:
    """Model output ready for Slack (`markdown` blocks, `markdown_text`, `mrkdwn`, fallback `text`).

    Mentions removed, links made inert, then every `<`, `>` and `&` escaped. Escaping after stripping means a
    mention split across a removal (`<<!here>!channel>`) cannot re-form. Give it whole lines when streaming.
    """
    return escape(defuse_links(strip_mentions(text)))


def inert(value: object) -> str:
    """A value from outside (a GA4 page title or path, a search query, a property's name, words a person typed)
    for one of our own sentences: shown as written, but it cannot form Slack markup (so cannot ping: `<!channel>`
    shows as typed) nor become a link."""
    return escape(defuse_links(str(value)))
