"""Lookout's Slack app: listeners, agent loop, LLM providers, scheduler and web routes."""
