"""Typed GA4, Search Console and analysis tools; nothing here knows about Slack or a model provider."""
