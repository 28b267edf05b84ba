"""Slack plumbing: installation and OAuth-state stores, Web API clients, workspace resolution."""
