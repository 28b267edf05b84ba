"""Slack's front door: the bolt app and web routes, signature-first intake, listeners, `/lookout` commands, buttons
(`actions/`) and App Home views (`views/`). It calls into the features; features never call back into it."""
