"""`lookout demo [--out DIR] [--ask "QUESTION"]`: today's digest and alert for the built-in Demo Store, in a terminal.

No credentials, no network, no port: the sample property answers through the same GA4 / Search Console client
interfaces as a real grant, the digest is composed by `DigestComposer` and the alert drafted by the alert check's
own `scan` and `draft`, exactly as they would be posted; here they are printed as the text Slack would show, and
their charts written as PNGs. `--ask` runs the real agent loop (`lookout ask`) on the sample data in a throwaway
database, when a model API key is configured.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.alerts.draft import AlertDraft, AlertPolicy, draft, scan
from bot.config.settings import Settings
from bot.digest.charts import alert_chart, digest_chart
from bot.digest.compose import DigestComposer
from bot.digest.compose_parts import ComposedDigest
from bot.google.sample import SampleGoogle
from bot.platform.slack.plain_text import blocks_to_text
from bot.text import alerts as alert_messages
from bot.text import sample as messages
from storage.tables.base import utcnow
from tools.anomaly.models import Sensitivity
from tools.cache import ResultCache
from tools.chart import shutdown_chart_renderer

DEMO_TEAM_ID = "TDEMO"  # the throwaway workspace `--ask` answers for
DEMO_SENSITIVITY: Sensitivity = "medium"  # what `/lookout alerts #channel` subscribes with by default
DIGEST_PNG = "digest.png"


@dataclass(frozen=True, kw_only=True)
class DemoAlert:
    draft: AlertDraft
    chart_png: bytes | None


async def demo(
    *,
    settings: Settings,
    out_dir: Path,
    question: str | None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    sample = SampleGoogle(clock=clock)
    try:
        digest, alerts = await _compose(sample, clock=clock)
        written = _write_charts(out_dir, digest=digest, alerts=alerts)
        out.write(messages.demo_intro() + "\n\n")
        out.write(messages.demo_digest_heading() + "\n\n" + blocks_to_text(digest.blocks) + "\n")
        if DIGEST_PNG in written:
            out.write(messages.chart_written(path=str(written[DIGEST_PNG])) + "\n")
        if not alerts:
            out.write("\n" + messages.DEMO_NO_ALERT + "\n")
        for index, alert in enumerate(alerts):
            blocks = alert_messages.alert_blocks(lines=alert.draft.lines, context=alert.draft.context, incident_id=0)
            out.write("\n" + messages.demo_alert_heading() + "\n\n" + blocks_to_text(blocks) + "\n")
            name = _alert_png(index)
            if name in written:
                out.write(messages.chart_written(path=str(written[name])) + "\n")
    finally:
        shutdown_chart_renderer()
    if question is None:
        out.write("\n" + messages.demo_next_steps() + "\n")
        return 0
    return await _ask(settings, sample=sample, question=question, clock=clock, out=out, err=err)


async def _compose(sample: SampleGoogle, *, clock: Callable[[], datetime]) -> tuple[ComposedDigest, list[DemoAlert]]:
    """Today's digest and the alerts an alert subscription at the default sensitivity would post now."""
    target = sample.target(workspace_id=0)
    timezone = target.timezone or "UTC"
    local_day = clock().astimezone(ZoneInfo(timezone)).date()
    composer = DigestComposer(targets=sample, google=sample, clock=clock, chart=digest_chart)
    digest = await composer.compose(workspace_id=0, channel_id="", local_day=local_day)
    assert digest is not None  # only a missing Google configuration gives None, and the sample needs none
    clients = sample.clients()
    ctx = target.tool_context(
        cache=ResultCache(), ga4=clients.ga4, gsc=clients.gsc, clock=clock, timezone=timezone, admin=clients.admin
    )
    scanned = await scan(ctx=ctx, timezone=timezone, now=clock(), sensitivity=DEMO_SENSITIVITY, policy=AlertPolicy())
    alerts = []
    for group in scanned.groups:
        drafted = await draft(group, ctx=ctx, scanned=scanned, sensitivity=DEMO_SENSITIVITY, sample=True)
        alerts.append(DemoAlert(draft=drafted, chart_png=await alert_chart(group.primary)))
    return digest, alerts


def _alert_png(index: int) -> str:
    return "alert.png" if index == 0 else f"alert-{index + 1}.png"


def _write_charts(out_dir: Path, *, digest: ComposedDigest, alerts: list[DemoAlert]) -> dict[str, Path]:
    pictures = {DIGEST_PNG: digest.chart_png} | {_alert_png(i): alert.chart_png for i, alert in enumerate(alerts)}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, png in pictures.items():
        if png is not None:
            path = out_dir / name
            path.write_bytes(png)
            written[name] = path
    return written


async def _ask(
    settings: Settings,
    *,
    sample: SampleGoogle,
    question: str,
    clock: Callable[[], datetime],
    out: TextIO,
    err: TextIO,
) -> int:
    """The question through `lookout ask`'s agent turn, for a throwaway workspace reading the sample property."""
    from bot.llm.registry import KEY_VARIABLES, PROVIDERS, provider_configured

    if not any(provider_configured(settings, provider) for provider in PROVIDERS):
        out.write("\n" + messages.demo_needs_model_key(variables=[KEY_VARIABLES[p] for p in PROVIDERS]) + "\n")
        return 0
    from bot.agent.context import SampleToolContexts
    from bot.main.ask import ask
    from storage.db import Database
    from storage.migrate import migrate
    from storage.repos.workspaces import ensure_workspace

    with tempfile.TemporaryDirectory(prefix="lookout-demo-") as scratch:
        # Nothing of the demo lands in the operator's database or data directory.
        throwaway = settings.model_copy(
            update={
                "database_url": f"sqlite:///{Path(scratch) / 'demo.db'}",
                "lookout_data_dir": Path(scratch),
                "lookout_secret_key": SecretStr(Fernet.generate_key().decode()),
            }
        )
        database = Database(throwaway.database_url)
        try:
            await migrate(database)
            async with database.session() as session:
                await ensure_workspace(session=session, enterprise_id=None, team_id=DEMO_TEAM_ID, name="Demo")
        finally:
            await database.dispose()
        out.write("\n" + messages.demo_question_heading(question=question) + "\n\n")
        out.flush()
        return await ask(
            settings=throwaway,
            question=question,
            team_id=DEMO_TEAM_ID,
            channel_id=None,
            contexts=SampleToolContexts(sample=sample, clock=clock),
            out=out,
            err=err,
        )
