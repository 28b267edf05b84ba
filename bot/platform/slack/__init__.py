"""Talking to Slack's Web API: clients and retries, token rotation, the installation store, dedupe claims, which
workspace a request belongs to, Sign in with Slack, and Block Kit as plain text for the CLI."""
