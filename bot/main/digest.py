"""`lookout digest --team T --channel C [--dry-run] [--cadence daily|weekly|monthly]`: build a channel's digest now,
print it or post it. A weekly or monthly one shows the KPIs that channel's subscription of that cadence chose (the
default set when it has none); a channel whose digest of that cadence is a roll-up gets its roll-up."""

from __future__ import annotations

import json
import logging
import sys
from zoneinfo import ZoneInfo

from bot.config.settings import Settings
from bot.main.scheduling import build_scheduled_work
from bot.main.workspace import open_workspace
from bot.platform.slack.clients import WorkspaceNotInstalled, web_client_for
from storage.repos.schedule import find_subscription
from storage.tables.schedule import DigestCadence, SubscriptionKind

log = logging.getLogger(__name__)


async def digest(
    *, settings: Settings, team_id: str, channel_id: str, dry_run: bool, cadence: str = DigestCadence.DAILY.value
) -> int:
    """Exit status 0 when the digest was printed or posted; 1 when there was nothing to build; 2 for bad input.

    Kept whole because it is the command's one story: find the workspace and subscription, build, print or post.
    """
    chosen = DigestCadence(cadence)
    from bot.main.build import build_services  # the one place services are assembled

    services = build_services(settings)
    try:
        found = await open_workspace(services=services, settings=settings, team_id=team_id, err=sys.stderr)
        if found is None:
            return 2
        _, workspace_id = found
        async with services.database.session() as session:
            subscription = await find_subscription(
                session=session,
                workspace_id=workspace_id,
                channel_id=channel_id,
                kind=SubscriptionKind.DIGEST,
                cadence=chosen,
            )
        work = build_scheduled_work(services, claimant="lookout-digest-command")
        try:
            timezone = subscription.timezone if subscription is not None else None
            if timezone is None:
                target = await work.digests.resolve_quietly(workspace_id=workspace_id, channel_id=channel_id)
                timezone = target.timezone if target is not None and target.timezone else "UTC"
            local_day = services.clock().astimezone(ZoneInfo(timezone)).date()
            composed = await work.digests.compose(
                workspace_id=workspace_id,
                channel_id=channel_id,
                local_day=local_day,
                cadence=chosen,
                kpis=subscription.kpis if subscription is not None else "",
                # A roll-up channel prints its roll-up, with the properties it chose.
                rollup=subscription is not None and subscription.rollup,
                properties=subscription.properties if subscription is not None else "",
            )
            if composed is None:
                sys.stderr.write("lookout: Google is not configured on this Lookout (GOOGLE_CLIENT_ID/SECRET)\n")
                return 1
            if dry_run:
                sys.stdout.write(json.dumps({"text": composed.text, "blocks": composed.blocks}, indent=2) + "\n")
                return 0
            try:
                client = await web_client_for(services=services, workspace_id=workspace_id)
            except WorkspaceNotInstalled:
                sys.stderr.write(f"lookout: workspace {team_id} has no usable Slack installation\n")
                return 2
            ts = await work.digests.post_now(client, channel_id=channel_id, digest=composed)
            sys.stdout.write(f"posted the digest to {channel_id} (ts {ts})\n")
            return 0
        finally:
            work.runtime.close()
    finally:
        await services.database.dispose()
