"""Lets `python -m bot` behave like the `lookout` console script."""

from bot.main.cli import main

raise SystemExit(main())
