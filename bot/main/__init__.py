"""The composition root (`build.py`) and the entry points built on it: `lookout serve`, `ask`, `digest`, `doctor`,
`demo`, `export`/`purge`, and the scheduler's start with every feature's jobs. Only `bot/bench` (entry points too) imports it."""
