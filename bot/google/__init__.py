"""Connecting each Slack workspace to its own Google account, and everything that follows from that grant."""
