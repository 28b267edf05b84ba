"""Data that does not live forever: the daily retention purge job (`lookout export` / `lookout purge` are in
`bot.main.workspace_data`)."""
