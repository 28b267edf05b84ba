"""What the connected Google account can see: GA4 properties (Admin API) and Search Console sites, over REST."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, Field, ValidationError

from bot.config.settings import Settings
from bot.google.connection import GoogleConnectionService
from bot.google.problems import GoogleUnavailable

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)

_TIMEOUT = aiohttp.ClientTimeout(total=30)
_PAGE_SIZE = 200  # the Admin API's maximum
_MAX_PAGES = 50  # 10,000 accounts: a guard against a server that never stops paging


class _PropertySummary(BaseModel):
    property: str
    displayName: str = ""  # Google's camelCase field names


class _AccountSummary(BaseModel):
    account: str = ""
    displayName: str = ""
    propertySummaries: list[_PropertySummary] = Field(default_factory=list)


class _AccountSummariesPage(BaseModel):
    accountSummaries: list[_AccountSummary] = Field(default_factory=list)
    nextPageToken: str | None = None


class _Property(BaseModel):
    name: str
    displayName: str = ""
    timeZone: str | None = None
    currencyCode: str | None = None


class _Site(BaseModel):
    siteUrl: str
    permissionLevel: str = ""


class _Sites(BaseModel):
    siteEntry: list[_Site] = Field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class PropertySummary:
    property_id: str  # numeric
    display_name: str
    account_name: str


@dataclass(frozen=True, kw_only=True)
class PropertyDetails:
    property_id: str
    display_name: str
    time_zone: str | None
    currency_code: str | None


@dataclass(frozen=True, kw_only=True)
class Site:
    site_url: str
    permission_level: str

    @property
    def usable(self) -> bool:
        """Unverified users get no Search Analytics data."""
        return self.permission_level != "siteUnverifiedUser"


class _Forbidden(Exception):
    """Google answered 403 or 404: the account cannot see that resource."""


class GoogleDirectory:
    """Lists and checks properties and sites with one workspace's credentials."""

    def __init__(self, connections: GoogleConnectionService, settings: Settings) -> None:
        self._connections = connections
        self._admin_root = settings.ga4_admin_api_url.rstrip("/")
        self._search_console_root = settings.search_console_api_url.rstrip("/")

    async def list_properties(self, *, workspace_id: int) -> list[PropertySummary]:
        """Every GA4 property of every account, following `nextPageToken` to the last page."""
        found: list[PropertySummary] = []
        page_token: str | None = None
        for _ in range(_MAX_PAGES):
            params = {"pageSize": str(_PAGE_SIZE)}
            if page_token:
                params["pageToken"] = page_token
            body = await self._get(workspace_id, f"{self._admin_root}/v1beta/accountSummaries", params)
            page = _parse(_AccountSummariesPage, body)
            for account in page.accountSummaries:
                for summary in account.propertySummaries:
                    found.append(
                        PropertySummary(
                            property_id=summary.property.removeprefix("properties/"),
                            display_name=summary.displayName,
                            account_name=account.displayName,
                        )
                    )
            page_token = page.nextPageToken
            if not page_token:
                break
        else:
            logger.warning(
                "accountSummaries kept paging for workspace %s; stopped after %s pages", workspace_id, _MAX_PAGES
            )
        return found

    async def get_property(self, *, workspace_id: int, property_id: str) -> PropertyDetails | None:
        """The property's name, timezone and currency; None when this account cannot see it."""
        try:
            body = await self._get(
                workspace_id, f"{self._admin_root}/v1beta/properties/{quote(property_id, safe='')}", {}
            )
        except _Forbidden:
            return None
        prop = _parse(_Property, body)
        return PropertyDetails(
            property_id=prop.name.removeprefix("properties/"),
            display_name=prop.displayName,
            time_zone=prop.timeZone,
            currency_code=prop.currencyCode,
        )

    async def list_sites(self, *, workspace_id: int) -> list[Site]:
        """The Search Console sites this account can read data from (`Site.usable`)."""
        body = await self._get(workspace_id, f"{self._search_console_root}/webmasters/v3/sites", {})
        sites = [Site(site_url=s.siteUrl, permission_level=s.permissionLevel) for s in _parse(_Sites, body).siteEntry]
        return [site for site in sites if site.usable]

    async def _get(self, workspace_id: int, url: str, params: dict[str, str]) -> Any:
        credentials = await self._connections.credentials_for(workspace_id=workspace_id)
        for attempt in range(2):
            token = str(credentials.token)
            try:
                async with (
                    aiohttp.ClientSession(timeout=_TIMEOUT) as http,
                    http.get(url, params=params, headers={"Authorization": f"Bearer {token}"}) as response,
                ):
                    status = response.status
                    body = await response.json(content_type=None) if status == 200 else None
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                logger.warning("Google API unreachable (%s): %s", url, type(error).__name__)
                raise GoogleUnavailable from None
            if status == 200:
                await self._connections.note_success(workspace_id=workspace_id)
                return body
            if status == 401 and attempt == 0:
                # The access token was revoked early; get a new one (or learn that the grant is dead).
                credentials = await self._connections.credentials_for(workspace_id=workspace_id, rejected_token=token)
                continue
            if status in (403, 404):
                raise _Forbidden
            logger.warning("Google API answered HTTP %s for %s", status, url)
            raise GoogleUnavailable
        raise GoogleUnavailable


def _parse(model: type[ModelT], body: Any) -> ModelT:
    try:
        return model.model_validate(body if body is not None else {})
    except ValidationError:
        logger.warning("Google answered an unexpected %s shape", model.__name__)
        raise GoogleUnavailable from None
