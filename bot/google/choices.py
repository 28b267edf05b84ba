"""Choosing the GA4 property and Search Console site (workspace default or one channel), status and disconnect,
and the built-in sample property (`/lookout connect demo`) in their place.

Every choice is checked against what the connected account can really see before it is saved, the way a
config flow checks the real API before it stores anything.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.google import oauth
from bot.google.connection import GoogleConnectionService, google_connections
from bot.google.discovery import GoogleDirectory, PropertySummary, Site
from bot.google.problems import GoogleProblem
from bot.text import google as messages
from bot.text import google_choices as choice_messages
from storage.repos import google as repo
from storage.tables.google import ConnectionStatus, GoogleChoice

if TYPE_CHECKING:
    from bot.platform.services import Services
    from storage.tables.core import Workspace

logger = logging.getLogger(__name__)

_NUMERIC = re.compile(r"^\d{1,20}$")
_MEASUREMENT_ID = re.compile(r"^G-[A-Z0-9]+$", re.IGNORECASE)
_UNIVERSAL_ID = re.compile(r"^UA-\d+(-\d+)?$", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class PropertyIdRefused:
    """Why the text given is not a GA4 property id, as the text to show."""

    text: str


def parse_property_id(raw: str) -> str | PropertyIdRefused:
    """`123456` and `properties/123456` give "123456"; G- and UA- IDs are refused with where to look instead."""
    value = raw.strip().strip("`")
    bare = value.removeprefix("properties/")
    if _NUMERIC.match(bare):
        return bare
    if _MEASUREMENT_ID.match(value):
        return PropertyIdRefused(text=choice_messages.measurement_id_refused(value))
    if _UNIVERSAL_ID.match(value):
        return PropertyIdRefused(text=choice_messages.universal_analytics_refused(value))
    return PropertyIdRefused(text=choice_messages.not_a_property_id(value))


def site_candidates(raw: str) -> list[str]:
    """The Search Console spellings someone may mean by `raw`, most specific first."""
    value = raw.strip().strip("<>`")
    if "|" in value:  # Slack turns a typed URL into <https://x|x>
        value = value.split("|", 1)[0]
    if value.startswith("sc-domain:"):
        return [value]
    if value.startswith(("http://", "https://")):
        return [value] if value.endswith("/") else [value, value + "/"]
    host = value.rstrip("/")
    return [f"sc-domain:{host}", f"https://{host}/", f"http://{host}/", f"https://www.{host}/"]


class SampleStart(StrEnum):
    STARTED = "started"
    ALREADY = "already"  # the workspace was already on the sample data
    CONNECTED = "connected"  # refused: the workspace reads its own Google data


class Disconnected(StrEnum):
    GOOGLE = "google"  # the grant was revoked and forgotten
    SAMPLE = "sample"  # the workspace stopped using the sample data
    NOTHING = "nothing"


class GoogleChoices:
    """The choose / status / disconnect operations behind `/lookout` and the Block Kit buttons."""

    def __init__(self, services: Services, connections: GoogleConnectionService | None = None) -> None:
        self._services = services
        self._connections = connections or google_connections(services)
        self._directory = GoogleDirectory(self._connections, services.settings)

    async def choose_property(self, *, workspace_id: int, user_id: str, channel_id: str, raw: str) -> str:
        """Validate and save; returns the text to answer with. Raises `GoogleProblem` when Google can't be used."""
        parsed = parse_property_id(raw)
        if isinstance(parsed, PropertyIdRefused):
            return parsed.text
        details = await self._directory.get_property(workspace_id=workspace_id, property_id=parsed)
        if details is None:
            return choice_messages.property_not_visible(parsed, email=await self._email(workspace_id))
        async with self._services.database.session() as session:
            await repo.set_property(
                session=session,
                workspace_id=workspace_id,
                channel_id=channel_id,
                property_id=details.property_id,
                property_name=details.display_name,
                timezone=details.time_zone,
                currency=details.currency_code,
                chosen_by_user_id=user_id,
                now=self._services.clock(),
            )
        return choice_messages.property_chosen(
            name=details.display_name, property_id=details.property_id, channel_id=channel_id
        )

    async def choose_site(self, *, workspace_id: int, user_id: str, channel_id: str, raw: str) -> str:
        sites = await self._directory.list_sites(workspace_id=workspace_id)
        visible = {site.site_url for site in sites}
        chosen = next((candidate for candidate in site_candidates(raw) if candidate in visible), None)
        if chosen is None:
            return choice_messages.site_not_visible(
                raw.strip(), email=await self._email(workspace_id), available=[site.site_url for site in sites]
            )
        async with self._services.database.session() as session:
            await repo.set_site(
                session=session,
                workspace_id=workspace_id,
                channel_id=channel_id,
                site_url=chosen,
                chosen_by_user_id=user_id,
                now=self._services.clock(),
            )
        return choice_messages.site_chosen(site_url=chosen, channel_id=channel_id)

    async def reset_channel(self, *, workspace_id: int, channel_id: str) -> str:
        async with self._services.database.session() as session:
            await repo.delete_choice(session=session, workspace_id=workspace_id, channel_id=channel_id)
        return choice_messages.channel_choice_reset(channel_id)

    async def offer_choices(self, *, workspace_id: int, user_id: str) -> None:
        """After connecting: keep choices the account can still see, auto-pick a lone option, else DM a picker."""
        properties = await self._directory.list_properties(workspace_id=workspace_id)
        sites = await self._directory.list_sites(workspace_id=workspace_id)
        async with self._services.database.session() as session:
            default = await repo.get_choice(session=session, workspace_id=workspace_id, channel_id=repo.DEFAULT_CHANNEL)
        current_property = default.property_id if default is not None else None
        current_site = default.site_url if default is not None else None
        property_ids = {p.property_id for p in properties}
        site_urls = {s.site_url for s in sites}
        need_property = current_property not in property_ids
        need_site = current_site not in site_urls

        picked_property = await self._auto_pick_property(workspace_id, user_id, properties) if need_property else None
        picked_site = await self._auto_pick_site(workspace_id, user_id, sites) if need_site else None
        if picked_property is not None or picked_site is not None:
            text = messages.auto_selected(property_label=picked_property, site_url=picked_site)
            await self._connections.send_dm(workspace_id=workspace_id, user_id=user_id, text=text)
        if not properties and not sites:
            text = messages.nothing_visible(properties=False, sites=False)
            await self._connections.send_dm(workspace_id=workspace_id, user_id=user_id, text=text)
            return
        still_open = (need_property and picked_property is None and properties) or (
            need_site and picked_site is None and sites
        )
        if still_open:
            await self.send_picker(workspace_id=workspace_id, user_id=user_id, properties=properties, sites=sites)

    async def send_picker(
        self,
        *,
        workspace_id: int,
        user_id: str,
        channel_id: str = "",
        properties: list[PropertySummary] | None = None,
        sites: list[Site] | None = None,
    ) -> None:
        text, blocks = await self.picker(
            workspace_id=workspace_id, channel_id=channel_id, properties=properties, sites=sites
        )
        await self._connections.send_dm(workspace_id=workspace_id, user_id=user_id, text=text, blocks=blocks)

    async def picker(
        self,
        *,
        workspace_id: int,
        channel_id: str = "",
        properties: list[PropertySummary] | None = None,
        sites: list[Site] | None = None,
    ) -> tuple[str, messages.Blocks]:
        if properties is None:
            properties = await self._directory.list_properties(workspace_id=workspace_id)
        if sites is None:
            sites = await self._directory.list_sites(workspace_id=workspace_id)
        async with self._services.database.session() as session:
            current = await repo.get_choice(session=session, workspace_id=workspace_id, channel_id=channel_id)
        return choice_messages.picker(
            properties=[
                choice_messages.PickerProperty(
                    property_id=p.property_id, display_name=p.display_name, account_name=p.account_name
                )
                for p in properties
            ],
            sites=[site.site_url for site in sites],
            channel_id=channel_id,
            current_property=current.property_id if current is not None else None,
            current_site=current.site_url if current is not None else None,
        )

    async def property_picker(self, *, workspace_id: int) -> tuple[str, messages.Blocks] | None:
        """The workspace-wide picker, for a question asked before any property was chosen; None when the account
        sees no property to offer. Raises `GoogleProblem` when Google can't be asked."""
        properties = await self._directory.list_properties(workspace_id=workspace_id)
        if not properties:
            return None
        return await self.picker(workspace_id=workspace_id, properties=properties)

    async def _auto_pick_property(
        self, workspace_id: int, user_id: str, properties: list[PropertySummary]
    ) -> str | None:
        if len(properties) != 1:
            return None
        only = properties[0]
        details = await self._directory.get_property(workspace_id=workspace_id, property_id=only.property_id)
        async with self._services.database.session() as session:
            await repo.set_property(
                session=session,
                workspace_id=workspace_id,
                channel_id=repo.DEFAULT_CHANNEL,
                property_id=only.property_id,
                property_name=only.display_name,
                timezone=details.time_zone if details is not None else None,
                currency=details.currency_code if details is not None else None,
                chosen_by_user_id=user_id,
                now=self._services.clock(),
            )
        return f"{only.display_name} (properties/{only.property_id})"

    async def _auto_pick_site(self, workspace_id: int, user_id: str, sites: list[Site]) -> str | None:
        if len(sites) != 1:
            return None
        async with self._services.database.session() as session:
            await repo.set_site(
                session=session,
                workspace_id=workspace_id,
                channel_id=repo.DEFAULT_CHANNEL,
                site_url=sites[0].site_url,
                chosen_by_user_id=user_id,
                now=self._services.clock(),
            )
        return sites[0].site_url

    async def _email(self, workspace_id: int) -> str | None:
        async with self._services.database.session() as session:
            connection = await repo.get_connection(session=session, workspace_id=workspace_id)
        return connection.google_email if connection is not None else None

    # --- Status and disconnect ---------------------------------------------------------------------------

    async def start_sample(self, *, workspace_id: int) -> SampleStart:
        """Put the workspace on the sample property, unless it already reads its own Google data."""
        async with self._services.database.session() as session:
            if await repo.get_connection(session=session, workspace_id=workspace_id) is not None:
                return SampleStart.CONNECTED
            started = await repo.start_sample_data(
                session=session, workspace_id=workspace_id, now=self._services.clock()
            )
        if started:
            logger.info("Workspace %s now uses the sample property", workspace_id)
        return SampleStart.STARTED if started else SampleStart.ALREADY

    async def status_view(self, *, workspace_id: int, channel_id: str | None) -> messages.StatusView:
        configured = self._services.settings.google_configured
        async with self._services.database.session() as session:
            setup = await repo.get_channel_setup(session=session, workspace_id=workspace_id, channel_id=channel_id)
        if setup.sample_since is not None:
            return messages.StatusView(configured=configured, connected=False, sample=True)
        if not configured:
            return messages.StatusView(configured=False, connected=False)
        connection, default, own = setup.connection, setup.default, setup.own
        if connection is None:
            return messages.StatusView(configured=True, connected=False)
        granted = set(connection.scopes.split())
        return messages.StatusView(
            configured=True,
            connected=True,
            healthy=connection.status == ConnectionStatus.HEALTHY.value,
            connected_by=connection.connected_by_user_id,
            connected_at=repo.as_utc(connection.connected_at),
            email=connection.google_email,
            scopes_missing=tuple(scope for scope in oauth.SCOPES if scope not in granted),
            last_success_at=repo.as_utc(connection.last_success_at),
            default_property=_property_label(default),
            default_site=default.site_url if default is not None else None,
            channel_id=channel_id or None,
            channel_property=_property_label(own),
            channel_site=own.site_url if own is not None else None,
        )

    async def disconnect(self, *, workspace_id: int) -> Disconnected:
        """Stop using the sample data, or revoke at Google (best effort) and forget the grant and the choices."""
        async with self._services.database.session() as session:
            stopped_sample = await repo.stop_sample_data(session=session, workspace_id=workspace_id)
            connection = await repo.get_connection(session=session, workspace_id=workspace_id)
        if stopped_sample:
            logger.info("Workspace %s no longer uses the sample property", workspace_id)
        if connection is None:
            return Disconnected.SAMPLE if stopped_sample else Disconnected.NOTHING
        refresh_token = self._services.cipher.decrypt(connection.refresh_token_enc)
        await oauth.revoke(self._services, token=refresh_token)
        async with self._services.database.session() as session:
            await repo.delete_connection(session=session, workspace_id=workspace_id)
        logger.info("Google disconnected for workspace %s", workspace_id)
        return Disconnected.GOOGLE


def _property_label(choice: GoogleChoice | None) -> str | None:
    if choice is None or not choice.property_id:
        return None
    if choice.property_name:
        return f"{choice.property_name} (properties/{choice.property_id})"
    return f"properties/{choice.property_id}"


async def google_home_blocks(*, services: Services, workspace: Workspace, user_id: str) -> messages.Blocks:
    """The Google part of the App Home (`bot.slack.views.home`): status plus Connect/Reconnect/Disconnect."""
    assert workspace.id is not None
    try:
        view = await GoogleChoices(services).status_view(workspace_id=workspace.id, channel_id=None)
    except GoogleProblem:
        view = messages.StatusView(configured=services.settings.google_configured, connected=False)
    return messages.home_blocks(view)
