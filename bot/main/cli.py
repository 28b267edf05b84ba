"""The `lookout` command line: parses arguments, builds Settings once, hands over to the right module."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config.settings import Settings

BENCHMARKS = ("ack", "agent", "anomaly", "digest")
# The commands that answer, post or schedule: traced when OpenTelemetry is on.
TRACED_COMMANDS = frozenset({"serve", "ask", "digest"})
# Those that do one thing are one trace (`serve` starts one per mention, digest and alert check).
ONE_TRACE_COMMANDS = frozenset({"ask", "digest"})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lookout", description="Lookout: GA4 and Search Console answers in Slack.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the bot (HTTP routes and the scheduler)")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default: $PORT or 3000)")
    serve.add_argument("--socket-mode", action="store_true", help="receive events over Socket Mode")

    commands.add_parser("migrate", help="create or upgrade the database schema")
    commands.add_parser("doctor", help="check configuration and reachability of configured services")

    ask = commands.add_parser("ask", help="answer a question from the terminal with the agent loop")
    ask.add_argument("question")
    ask.add_argument("--team", required=True, help="Slack team id of the workspace whose Google connection to use")
    ask.add_argument("--channel", default=None, help="channel id, for a channel's property/site override")

    digest = commands.add_parser("digest", help="build a channel's digest now")
    digest.add_argument("--team", required=True)
    digest.add_argument("--channel", required=True)
    digest.add_argument("--dry-run", action="store_true", help="print the Block Kit JSON instead of posting")
    digest.add_argument(
        "--cadence",
        choices=("daily", "weekly", "monthly"),
        default="daily",
        help="daily (yesterday), weekly (the last complete week, Mon–Sun) or monthly (the last complete month)",
    )

    export = commands.add_parser("export", help="write everything stored about a workspace as JSON (no tokens)")
    export.add_argument("--team", required=True, help="Slack team id of the workspace")
    export.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")

    purge = commands.add_parser("purge", help="delete a workspace and everything stored about it")
    purge.add_argument("--team", required=True, help="Slack team id of the workspace")

    demo = commands.add_parser("demo", help="today's digest and alert for the built-in sample property, no set-up")
    demo.add_argument("--out", type=Path, default=Path("demo-out"), help="where to write the charts (PNG)")
    demo.add_argument("--ask", default=None, metavar="QUESTION", help="also answer a question about the sample data")

    bench = commands.add_parser("bench", help="run a benchmark and print a table")
    bench.add_argument("name", choices=BENCHMARKS)
    bench.add_argument("args", nargs=argparse.REMAINDER, help="arguments for that benchmark")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command != "serve":
        return _run(args)
    # Start-up allocates what lives as long as the process (modules, settings, the app): the cyclic collector would
    # walk it over and over and find almost nothing (~130 ms of CPU before healthy, ~9 ms of it while the settings
    # and their libraries are imported, which is why those imports wait until here). `start_server` freezes what
    # start-up made, once the server is up, and turns the collector back on; the `finally` does it should the start
    # fail.
    gc.disable()
    try:
        return _run(args)
    finally:
        gc.enable()


def _run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from bot.config.logs import configure_logging
    from bot.config.settings import Settings
    from bot.observe import tracing

    try:
        settings = Settings()
    except ValidationError as error:
        fields = ", ".join(str(item["loc"][0]).upper() for item in error.errors() if item.get("loc"))
        sys.stderr.write(f"lookout: invalid configuration in: {fields}\n")
        return 2
    configure_logging(settings.log_level)
    # matplotlib (charts) keeps its font cache in MPLCONFIGDIR, by default under $HOME: unwritable or thrown away
    # with the container, so every start would rebuild it on the first chart. The data directory persists.
    os.environ.setdefault("MPLCONFIGDIR", str(settings.lookout_data_dir.resolve() / "matplotlib"))
    from storage.reachability import DatabaseUnavailable

    # OpenTelemetry when the OTEL_* settings ask for it (off by default; nothing of its SDK is imported then).
    telemetry = tracing.start(settings) if args.command in TRACED_COMMANDS else None
    try:
        if args.command in ONE_TRACE_COMMANDS:
            with tracing.new_trace(f"lookout {args.command}"):
                return _dispatch(args, settings)
        return _dispatch(args, settings)
    except DatabaseUnavailable as unavailable:
        # Something the operator can fix: one line saying what and where, not a traceback.
        from bot.text.operator import database_unavailable

        sys.stderr.write(database_unavailable(url=unavailable.url, problem=unavailable.problem) + "\n")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if telemetry is not None:
            telemetry.shutdown()


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    # Imports are local so that a command never pays for (or fails on) another command's dependencies.
    if args.command == "serve":  # with the cyclic collector off (see `main`)
        from bot.main.serve import serve

        return serve(settings=settings, port=args.port, socket_mode=args.socket_mode)
    if args.command == "migrate":
        from bot.main.serve import migrate_only

        return asyncio.run(migrate_only(settings=settings))
    if args.command == "doctor":
        from bot.main.doctor import doctor

        return asyncio.run(doctor(settings=settings))
    if args.command == "ask":
        from bot.main.ask import ask

        return asyncio.run(ask(settings=settings, question=args.question, team_id=args.team, channel_id=args.channel))
    if args.command == "digest":
        from bot.main.digest import digest

        return asyncio.run(
            digest(
                settings=settings,
                team_id=args.team,
                channel_id=args.channel,
                dry_run=args.dry_run,
                cadence=args.cadence,
            )
        )
    if args.command == "export":
        from bot.main.workspace_data import export

        return asyncio.run(export(settings=settings, team_id=args.team, out_path=args.out))
    if args.command == "purge":
        from bot.main.workspace_data import purge

        return asyncio.run(purge(settings=settings, team_id=args.team))
    if args.command == "demo":
        from bot.main.demo import demo

        return asyncio.run(demo(settings=settings, out_dir=args.out, question=args.ask))
    if args.command == "bench":
        import importlib

        module = importlib.import_module(f"bot.bench.{args.name}")
        code: int = module.main(list(args.args), settings=settings)
        return code
    logging.getLogger(__name__).error("unknown command %s", args.command)
    return 2
