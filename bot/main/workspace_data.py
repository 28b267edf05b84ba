"""`lookout export --team T [--out FILE]` and `lookout purge --team T`: everything stored about one workspace, as
JSON, and its deletion. Operator tools; tokens are never exported (the export says which columns it left out)."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.config.settings import Settings
from bot.main.workspace import open_workspace
from bot.text import operator as operator_messages
from storage.repos import google as google_repo
from storage.repos import retention as repo
from storage.repos.workspaces import delete_workspace
from storage.tables.core import Workspace

EXPORT_FORMAT = "lookout-export/1"
TOKENS_OMITTED = (
    "Slack and Google tokens, and OAuth PKCE verifiers, are never exported: these encrypted columns were left out."
)


def build_export(*, workspace: Workspace, rows: dict[str, list[dict[str, Any]]], now: datetime) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "workspace": repo.workspace_record(workspace),
        "tables": rows,
        "omitted": {"note": TOKENS_OMITTED, "columns": repo.secret_columns()},
    }


async def export(*, settings: Settings, team_id: str, out_path: Path | None, out: TextIO | None = None) -> int:
    from bot.main.build import build_services

    out = out or sys.stdout
    services = build_services(settings)
    try:
        found = await open_workspace(services=services, settings=settings, team_id=team_id, err=sys.stderr)
        if found is None:
            return 2
        workspace, workspace_id = found
        async with services.database.session() as session:
            rows = await repo.workspace_rows(session=session, workspace_id=workspace_id)
        document = json.dumps(build_export(workspace=workspace, rows=rows, now=services.clock()), indent=2)
        if out_path is None:
            out.write(document + "\n")
        else:
            # What people asked and what the data said: readable by its owner only.
            descriptor = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(document + "\n")
            sys.stderr.write(operator_messages.exported(team_id=team_id, path=str(out_path), rows=_total(rows)) + "\n")
        return 0
    finally:
        services.google_runtime.close()
        await services.database.dispose()


async def purge(*, settings: Settings, team_id: str, out: TextIO | None = None) -> int:
    """Revoke the workspace's Google grant at Google (best effort), then delete the workspace and every row of it."""
    from bot.google import oauth
    from bot.main.build import build_services

    out = out or sys.stdout
    services = build_services(settings)
    try:
        found = await open_workspace(services=services, settings=settings, team_id=team_id, err=sys.stderr)
        if found is None:
            return 2
        _, workspace_id = found
        async with services.database.session() as session:
            counts = await repo.count_workspace_rows(session=session, workspace_id=workspace_id)
            connection = await google_repo.get_connection(session=session, workspace_id=workspace_id)
        revoked: bool | None = None
        if connection is not None and settings.google_configured:
            revoked = await oauth.revoke(services, token=services.cipher.decrypt(connection.refresh_token_enc))
        async with services.database.session() as session:
            await delete_workspace(session=session, workspace_id=workspace_id)
        out.write(operator_messages.purged(team_id=team_id, counts=counts, google_revoked=revoked) + "\n")
        return 0
    finally:
        services.google_runtime.close()
        await services.database.dispose()


def _total(rows: dict[str, list[dict[str, Any]]]) -> int:
    return sum(len(table) for table in rows.values())
