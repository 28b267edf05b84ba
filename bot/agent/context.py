"""Where a turn's tool context comes from: the workspace's Google connection and its channel's property/site.

`ToolContextProvider` is the seam: the Slack handler and `lookout ask` only need "a context for this workspace and
channel, or a problem a person must fix"; tests and benchmarks supply contexts pointed at the fake Google.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.agent.prompt import PromptFacts
from storage.repos.notes import WorkspaceNotes
from tools.cache import ResultCache
from tools.context import ToolContext
from tools.targets import NamedTargets, PropertyRef

if TYPE_CHECKING:
    from bot.google.sample import SampleGoogle
    from bot.platform.services import Services


@dataclass(frozen=True, kw_only=True)
class PreparedContext:
    """The tools' context plus what the prompt and footer say about it."""

    context: ToolContext
    property_name: str | None = None
    sample: bool = False  # the built-in sample property: the footer says so

    def confined(self) -> PreparedContext:
        """This context reading only the channel's own property and site (a channel shared with other
        organisations): a tool asked for another one says why it can't, naming none of the others."""
        context = self.context
        if context.targets is None:
            return self  # already nothing but the channel's own
        own = None
        if context.property_id is not None:
            own = PropertyRef(
                property_id=context.property_id,
                name=self.property_name or "",
                time_zone=context.timezone,
                currency=context.currency,
            )
        targets = context.targets.confined_to(own_property=own, own_site=context.site_url)
        return dataclasses.replace(self, context=dataclasses.replace(context, targets=targets))

    def facts(self, now: datetime) -> PromptFacts:
        return PromptFacts(
            now=now,
            timezone=self.context.timezone or "UTC",
            property_id=self.context.property_id,
            property_name=self.property_name,
            site_url=self.context.site_url,
            currency=self.context.currency,
        )


class ToolContextProvider(Protocol):
    """A context for this workspace and channel; raises a `ToolUserError` (e.g. a `GoogleProblem`) otherwise."""

    async def __call__(self, *, workspace_id: int, channel_id: str | None) -> PreparedContext: ...


class SampleToolContexts:
    """Every workspace reads the built-in sample property (`lookout demo --ask`)."""

    def __init__(
        self, *, sample: SampleGoogle, clock: Callable[[], datetime], cache: ResultCache | None = None
    ) -> None:
        self._sample = sample
        self._clock = clock
        self._cache = cache or ResultCache()

    async def __call__(self, *, workspace_id: int, channel_id: str | None) -> PreparedContext:
        del channel_id
        return sample_context(self._sample, workspace_id=workspace_id, cache=self._cache, clock=self._clock)


def sample_context(
    sample: SampleGoogle, *, workspace_id: int, cache: ResultCache, clock: Callable[[], datetime]
) -> PreparedContext:
    from bot.google.readable import OneTargetDirectory

    target = sample.target(workspace_id=workspace_id)
    clients = sample.clients()
    targets = NamedTargets(directory=OneTargetDirectory(target), ga4=clients.ga4, gsc=clients.gsc)
    context = target.tool_context(
        cache=cache,
        ga4=clients.ga4,
        gsc=clients.gsc,
        clock=clock,
        timezone=target.timezone,
        targets=targets,
        admin=clients.admin,
    )
    return PreparedContext(context=context, property_name=target.property_name, sample=True)


class GoogleToolContexts:
    """Builds contexts from the Google connection service (which decides between the workspace's own grant and the
    sample property); one per process (it owns the shared cache)."""

    def __init__(self, services: Services, *, cache: ResultCache | None = None) -> None:
        self._services = services
        self._cache = cache or ResultCache()

    async def __call__(self, *, workspace_id: int, channel_id: str | None) -> PreparedContext:
        from bot.google.connection import google_connections
        from bot.google.readable import named_targets

        connections = google_connections(self._services)
        target = await connections.resolve_target(workspace_id=workspace_id, channel_id=channel_id)
        clients = await connections.clients_for(target=target)
        context = target.tool_context(
            cache=self._cache,
            ga4=clients.ga4 if target.property_id else None,
            gsc=clients.gsc if target.site_url else None,
            clock=self._services.clock,
            timezone=target.timezone,
            targets=named_targets(
                self._services, target=target, clients=clients, cache=self._cache.for_workspace(workspace_id)
            ),
            admin=clients.admin,
            notes=WorkspaceNotes(database=self._services.database, workspace_id=workspace_id),
        )
        return PreparedContext(context=context, property_name=target.property_name, sample=target.sample)
