"""The subscription most schedule repository tests start from: one digest in one channel of one workspace."""

from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.repos.schedule import upsert_subscription
from storage.repos.workspaces import ensure_workspace
from storage.tables.schedule import SubscriptionKind

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


STALE = timedelta(seconds=60)


async def subscription_in_channel(
    database: Database, *, team_id: str = "T1", channel_id: str = "C1"
) -> tuple[int, int]:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=team_id)
        assert workspace.id is not None
        subscription = await upsert_subscription(
            session=session,
            workspace_id=workspace.id,
            channel_id=channel_id,
            kind=SubscriptionKind.DIGEST,
            time_of_day="09:00",
            timezone="Europe/Paris",
            sensitivity="medium",
            created_by="U1",
            now=NOW,
        )
        assert subscription.id is not None
        return workspace.id, subscription.id
