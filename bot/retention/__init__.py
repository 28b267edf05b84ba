"""Data that does not live forever: the daily retention purge, and `lookout export` / `lookout purge` for one
workspace."""
