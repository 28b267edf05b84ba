"""Slack listeners by kind (messages, commands, home, lifecycle), each with a `register(app, services=...)`."""
