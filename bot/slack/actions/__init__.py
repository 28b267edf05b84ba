"""Buttons that belong to one feature but are Slack surface: the Google connection's and the alerts'."""
