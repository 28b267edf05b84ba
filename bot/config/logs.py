"""Logging set-up, with a filter that scrubs anything shaped like a token from every record."""

from __future__ import annotations

import logging
import re

# Slack tokens, Google access/refresh tokens and codes, API keys, Fernet ciphertext, Bearer headers.
_SECRET_PATTERNS = re.compile(
    r"(xox[abposer]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|ya29\.[A-Za-z0-9_\-.]+|1//[A-Za-z0-9_\-]+"
    r"|4/[A-Za-z0-9_\-]{10,}|sk-[A-Za-z0-9_\-]{10,}|xai-[A-Za-z0-9_\-]{10,}|AIza[A-Za-z0-9_\-]{20,}"
    r"|gAAAAA[A-Za-z0-9_\-=]{20,}|(?i:bearer)\s+[A-Za-z0-9_\-.=]+)"
)

# OAuth values in a URL's query, e.g. aiohttp's access log line for `/slack/oauth_redirect?code=…&state=…` or
# `/google/oauth/callback?code=4%2F0A…`: a Slack code has no recognisable shape and Google's is URL-encoded there.
_QUERY_SECRETS = re.compile(
    r"(?i)([?&](?:code|state|refresh_token|access_token|client_secret|token|code_verifier)=)[^&\s\"']+"
)


# The loggers slack_sdk's Web API and response_url clients log through (their module names).
_SLACK_CLIENTS = (
    "slack_sdk.web.async_base_client",
    "slack_sdk.web.base_client",
    "slack_sdk.webhook.async_client",
    "slack_sdk.webhook.client",
)


def redact(text: str) -> str:
    return _QUERY_SECRETS.sub(r"\1[redacted]", _SECRET_PATTERNS.sub("[redacted]", text))


class RedactingFilter(logging.Filter):
    """Rewrites each record's rendered message so secrets never reach a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            # Exception text can quote a request body: render it now, scrubbed. Formatters reuse `exc_text`, and
            # `exc_info` stays for handlers that want the exception object itself.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library loggers that echo request bodies at DEBUG stay at INFO or above. slack_sdk's clients decide whether to
    # build their debug lines (every request's parameters and headers, every response's body) from their own
    # logger's level, not the effective one: an unset level there is 0 and builds them for every Web API call.
    for noisy in ("slack_sdk", "slack_bolt", "urllib3", "googleapiclient", "httpx", "aiohttp.access", *_SLACK_CLIENTS):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
    # Alembic announces each of its plugins at INFO on every start; only the migrations it runs are news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
