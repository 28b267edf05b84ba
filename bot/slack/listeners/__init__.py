"""Slack events by kind (mentions and DMs, the slash command, lifecycle, the assistant pane), each with a
`register(app, services=...)`; unmatched buttons and forms are acked by `fallbacks.py`."""
