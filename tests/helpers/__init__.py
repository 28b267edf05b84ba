"""Test helpers: signed Slack requests and a running-app harness."""
