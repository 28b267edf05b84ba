"""The log filter scrubs secrets, including OAuth codes and states in the URLs aiohttp's access log writes."""

from __future__ import annotations

import logging

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.config.logs import RedactingFilter, configure_logging, redact


def access_log_record(request_line: str) -> logging.LogRecord:
    """A record as aiohttp.access makes it (`%a %t "%r" %s %b ...`)."""
    return logging.LogRecord(
        "aiohttp.access", logging.INFO, __file__, 1, '%s [-] "%s" %s', ("127.0.0.1", request_line, 200), None
    )


def test_oauth_codes_and_states_in_an_access_log_line_are_redacted() -> None:
    slack = access_log_record("GET /slack/oauth_redirect?code=1234567890.98765.abcdef0123&state=Zq8x-_y HTTP/1.1")
    google = access_log_record("GET /google/oauth/callback?state=s3cr3t&code=4%2F0AVGzR1B-long-code&scope=x HTTP/1.1")

    for record in (slack, google):
        assert RedactingFilter().filter(record)

    assert (
        slack.getMessage() == '127.0.0.1 [-] "GET /slack/oauth_redirect?code=[redacted]&state=[redacted] HTTP/1.1" 200'
    )
    assert "4%2F0A" not in google.getMessage() and "s3cr3t" not in google.getMessage()
    assert "&scope=x " in google.getMessage()  # other parameters stay readable


def test_tokens_are_redacted_wherever_they_appear() -> None:
    text = "bot xoxb-1-abc refresh xoxe-1-def rotated xoxe.xoxb-1-ghi google ya29.a0Af Bearer abc.def"

    cleaned = redact(text)

    for secret in ("xoxb-1-abc", "xoxe-1-def", "xoxb-1-ghi", "ya29.a0Af", "abc.def"):
        assert secret not in cleaned


def test_an_exceptions_text_is_redacted_and_its_object_kept() -> None:
    try:
        raise RuntimeError("Slack said no to xoxb-9-secret")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info())

    assert RedactingFilter().filter(record)
    rendered = logging.Formatter().format(record)

    assert "xoxb-9-secret" not in rendered and "[redacted]" in rendered
    assert record.exc_info is not None  # other handlers (and tests) still see the exception itself


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING"])
def test_slack_clients_never_build_their_debug_lines(level: str) -> None:
    # slack_sdk formats each request's parameters and headers and each response's body when its client's own
    # logger has a level at or below DEBUG (an unset level counts as 0), whatever the effective level is.
    configure_logging(level)

    for logger in (AsyncWebClient().logger, AsyncWebhookClient("http://127.0.0.1/hook").logger):
        assert logger.level > logging.DEBUG
        assert not logger.isEnabledFor(logging.DEBUG)
