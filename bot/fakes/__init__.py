"""Loopback fakes of the external APIs (Slack, LLM providers), shared by tests and `lookout bench`."""
