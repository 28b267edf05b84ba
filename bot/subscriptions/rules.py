"""Alert rules: check a rule's names against what it will read, then store it — the one path behind `/lookout
rule`, App Home's rule modal and the "Create rule" button under an answer.

Removing one is removing its subscription (`manage.remove_subscription`); listing is `list_rules`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.text import rules as messages
from storage.repos import rules as repo
from storage.repos.rules import StoredRule
from tools.cache import ResultCache
from tools.rules.resolve import Resolved, resolve_rule
from tools.rules.spec import RuleSpec, fields_of, spec_of

if TYPE_CHECKING:
    from bot.platform.services import Services

log = logging.getLogger(__name__)

# Metadata read to check names is cached here for an hour, per workspace (the agent keeps its own).
_CATALOGS = ResultCache()


@dataclass(frozen=True, kw_only=True)
class CheckedRule:
    """A rule whose names are valid for the channel's property or site, and the timezone its windows are in."""

    resolved: Resolved
    timezone: str
    sample: bool

    @property
    def spec(self) -> RuleSpec:
        return self.resolved.spec


async def check_rule(*, services: Services, workspace_id: int, channel_id: str, spec: RuleSpec) -> CheckedRule:
    """`spec` checked against the channel's GA4 property or Search Console site.

    Raises `tools.rules.spec.RuleProblem` for a name the rule cannot read, `GoogleProblem` / `ToolUserError` when
    Google is not connected or nothing is chosen, `GoogleApiError` when Google does not answer.
    """
    from bot.google.connection import google_connections

    connections = google_connections(services)
    target = await connections.resolve_target(workspace_id=workspace_id, channel_id=channel_id)
    clients = await connections.clients_for(target=target)
    timezone = target.timezone or "UTC"
    ctx = target.tool_context(
        cache=_CATALOGS, ga4=clients.ga4, gsc=clients.gsc, clock=services.clock, timezone=timezone
    )
    resolved = await resolve_rule(spec, ctx)
    return CheckedRule(resolved=resolved, timezone=timezone, sample=target.sample)


async def save_rule(
    *,
    services: Services,
    workspace_id: int,
    channel_id: str,
    checked: CheckedRule,
    user_id: str,
    replaces: int | None = None,
) -> StoredRule | None:
    """Store a checked rule: a new one, or `replaces` changed (None when that one is gone meanwhile)."""
    fields = fields_of(checked.spec)
    async with services.database.session() as session:
        if replaces is None:
            stored: StoredRule | None = await repo.create_rule(
                session=session,
                workspace_id=workspace_id,
                channel_id=channel_id,
                fields=fields,
                timezone=checked.timezone,
                created_by=user_id,
                now=services.clock(),
            )
        else:
            stored = await repo.update_rule(
                session=session,
                workspace_id=workspace_id,
                subscription_id=replaces,
                channel_id=channel_id,
                fields=fields,
                changed_by=user_id,
                now=services.clock(),
            )
    if stored is not None:
        log.info("alert rule %s saved for workspace %s", stored.id, workspace_id)
    return stored


async def list_rules(*, services: Services, workspace_id: int) -> list[StoredRule]:
    async with services.database.session() as session:
        return await repo.list_rules(session=session, workspace_id=workspace_id)


async def get_rule(*, services: Services, workspace_id: int, rule_id: int) -> StoredRule | None:
    async with services.database.session() as session:
        return await repo.get_rule(session=session, workspace_id=workspace_id, subscription_id=rule_id)


def describe(spec: RuleSpec) -> str:
    return messages.describe_rule(spec)


def meaning(spec: RuleSpec) -> str:
    return messages.rule_meaning(spec)


def describe_stored(stored: StoredRule) -> str:
    return messages.describe_rule(spec_of(stored.fields()))
