"""What Slack says about a person's role (`users.info`) and a user group's members (`usergroups.users.list`),
cached briefly so a burst of clicks or questions costs one lookup per person, and bounded so memory stays flat."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger(__name__)

# A role change in Slack (someone made admin, a guest promoted) reaches Lookout within this time.
ROLE_CACHE_SECONDS = 300.0
MAX_CACHED_PEOPLE = 20_000
MAX_CACHED_GROUPS = 2_000


class PeopleLookupFailed(Exception):
    """Slack did not answer who this person is (or who is in the group); nothing should be decided on a guess."""


@dataclass(frozen=True, kw_only=True)
class Person:
    user_id: str
    admin: bool  # workspace admin or owner, or Enterprise Grid org admin or owner
    guest: bool


def person_from_user(user: dict[str, Any]) -> Person:
    """Read a `users.info` user object. Org admins and owners of an Enterprise Grid org count as admins."""
    enterprise = user.get("enterprise_user") or {}
    admin = any(bool(user.get(flag)) for flag in ("is_admin", "is_owner", "is_primary_owner")) or any(
        bool(enterprise.get(flag)) for flag in ("is_admin", "is_owner")
    )
    guest = bool(user.get("is_restricted")) or bool(user.get("is_ultra_restricted"))
    usable = not user.get("deleted") and not user.get("is_bot")
    return Person(user_id=str(user.get("id", "")), admin=admin and usable, guest=guest or not usable)


class PeopleDirectory:
    """One per process (`Services.people`); keys include the workspace id, so workspaces never share an answer."""

    def __init__(
        self,
        *,
        ttl_seconds: float = ROLE_CACHE_SECONDS,
        max_people: int = MAX_CACHED_PEOPLE,
        max_groups: int = MAX_CACHED_GROUPS,
    ) -> None:
        self._people: TTLCache[tuple[int, str], Person] = TTLCache(maxsize=max_people, ttl=ttl_seconds)
        self._groups: TTLCache[tuple[int, str], frozenset[str]] = TTLCache(maxsize=max_groups, ttl=ttl_seconds)

    async def person(self, *, client: AsyncWebClient, workspace_id: int, user_id: str) -> Person:
        key = (workspace_id, user_id)
        cached = self._people.get(key)
        if cached is not None:
            return cached
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            logger.warning("users.info failed for a role check in workspace %s: %s", workspace_id, _code(error))
            raise PeopleLookupFailed from None
        person = person_from_user(response.get("user") or {})
        self._people[key] = person
        return person

    async def group_members(self, *, client: AsyncWebClient, workspace_id: int, group_id: str) -> frozenset[str]:
        key = (workspace_id, group_id)
        cached = self._groups.get(key)
        if cached is not None:
            return cached
        try:
            response = await client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as error:
            logger.warning(
                "usergroups.users.list failed for a role check in workspace %s: %s", workspace_id, _code(error)
            )
            raise PeopleLookupFailed from None
        members = frozenset(str(user) for user in response.get("users") or [])
        self._groups[key] = members
        return members

    def forget_groups(self, *, workspace_id: int) -> None:
        """After the managers changed: the next check reads the (maybe new) group afresh."""
        for key in [key for key in self._groups if key[0] == workspace_id]:
            self._groups.pop(key, None)


def _code(error: SlackApiError) -> str:
    return str(error.response.get("error") or error.response.status_code)
