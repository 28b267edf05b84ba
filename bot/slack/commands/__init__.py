"""`/lookout` subcommands: one module per area, each exposing `SUBCOMMANDS: dict[str, Subcommand]`."""
