"""What a workspace's Google grant can read, for questions that name another property or site than the channel's.

The agent's tools take an optional `property` / `site` (`tools.targets`); they resolve it against these lists and
nothing else, so a name the grant does not list is refused before any report is asked for. The lists come from the
Admin API and Search Console (`discovery.py`) and stay in the workspace's slice of the tools' cache for `LIST_TTL`
seconds: a question naming three clients lists them once, and a property added in Google shows up minutes later.
A workspace reading the sample property (`/lookout connect demo`) can name only the Demo Store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.google.connection import google_connections
from bot.google.discovery import GoogleDirectory
from bot.google.target import GoogleClients, GoogleTarget
from tools.base import ToolError
from tools.cache import ResultCache, WorkspaceCache
from tools.targets import NamedTargets, PropertyRef, TargetDirectory

if TYPE_CHECKING:
    from bot.platform.services import Services

LIST_TTL = 300.0  # seconds; the lists change when someone is granted a property, rarely within a conversation
DETAILS_TTL = 3600.0  # a property's time zone and currency change about never


class GrantDirectory:
    """`TargetDirectory` over one workspace's own Google grant."""

    def __init__(self, *, directory: GoogleDirectory, workspace_id: int, cache: WorkspaceCache) -> None:
        self._directory = directory
        self._workspace_id = workspace_id
        self._cache = cache

    async def properties(self) -> Sequence[PropertyRef]:
        async def fetch() -> list[PropertyRef]:
            listed = await self._directory.list_properties(workspace_id=self._workspace_id)
            return [PropertyRef(property_id=item.property_id, name=item.display_name) for item in listed]

        return await self._cache.get_or_fetch("google:properties", fetch, ttl=LIST_TTL)

    async def sites(self) -> Sequence[str]:
        async def fetch() -> list[str]:
            return [site.site_url for site in await self._directory.list_sites(workspace_id=self._workspace_id)]

        return await self._cache.get_or_fetch("google:sites", fetch, ttl=LIST_TTL)

    async def details(self, ref: PropertyRef) -> PropertyRef:
        async def fetch() -> PropertyRef:
            found = await self._directory.get_property(workspace_id=self._workspace_id, property_id=ref.property_id)
            if found is None:
                raise ToolError(f"Google no longer lets this workspace read the GA4 property {ref.label}.")
            return PropertyRef(
                property_id=ref.property_id,
                name=found.display_name or ref.name,
                time_zone=found.time_zone,
                currency=found.currency_code,
            )

        return await self._cache.get_or_fetch(f"google:property:{ref.property_id}", fetch, ttl=DETAILS_TTL)


class OneTargetDirectory:
    """`TargetDirectory` of a target that is all a workspace can read (the sample property)."""

    def __init__(self, target: GoogleTarget) -> None:
        self._target = target

    def _ref(self) -> PropertyRef | None:
        target = self._target
        if target.property_id is None:
            return None
        return PropertyRef(
            property_id=target.property_id,
            name=target.property_name or "",
            time_zone=target.timezone,
            currency=target.currency,
        )

    async def properties(self) -> Sequence[PropertyRef]:
        ref = self._ref()
        return [ref] if ref is not None else []

    async def sites(self) -> Sequence[str]:
        return [self._target.site_url] if self._target.site_url else []

    async def details(self, ref: PropertyRef) -> PropertyRef:
        return self._ref() or ref


def named_targets(
    services: Services, *, target: GoogleTarget, clients: GoogleClients, cache: WorkspaceCache
) -> NamedTargets:
    """This turn's resolver of the `property` / `site` a tool is asked to read, with the clients that read them."""
    directory: TargetDirectory
    if target.sample:
        directory = OneTargetDirectory(target)
    else:
        lister = GoogleDirectory(google_connections(services), services.settings)
        directory = GrantDirectory(directory=lister, workspace_id=target.workspace_id, cache=cache)
    return NamedTargets(directory=directory, ga4=clients.ga4, gsc=clients.gsc)


class GrantProperties:
    """The GA4 properties a target's connection lists, for roll-up digests (`bot.digest.rollup.PropertyLister`):
    the workspace's grant (through the same cached list the tools resolve names against), or the sample's one."""

    def __init__(self, services: Services, *, cache: ResultCache | None = None) -> None:
        self._services = services
        self._cache = cache or ResultCache()

    async def properties_for(self, *, target: GoogleTarget) -> Sequence[PropertyRef]:
        directory: TargetDirectory
        if target.sample:
            directory = OneTargetDirectory(target)
        else:
            lister = GoogleDirectory(google_connections(self._services), self._services.settings)
            cache = self._cache.for_workspace(target.workspace_id)
            directory = GrantDirectory(directory=lister, workspace_id=target.workspace_id, cache=cache)
        return await directory.properties()
