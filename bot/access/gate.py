"""The one authorisation check: may this person do what this request needs in this workspace? Also the record of
each settings change it let through.

Used by the `/lookout` router (every subcommand), by `bot.slack.access_middleware` (every button and modal) and before
a question is answered (guests). A refusal is returned as the text to show; nothing is changed by the caller then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.access.policy import Capability, Role, Surface, allows
from bot.config.settings import SlackMode
from bot.platform.slack.people import PeopleLookupFailed
from bot.text import access as messages
from storage.repos import access as repo

if TYPE_CHECKING:
    from bot.platform.services import Services
    from storage.tables.core import Workspace

logger = logging.getLogger(__name__)

_MAX_DETAIL = 500


@dataclass(frozen=True, kw_only=True)
class Refusal:
    text: str
    reason: str  # for the log line and the metric: guest, not_a_manager, not_an_admin, role_unknown


async def managers_of(*, services: Services, workspace_id: int) -> messages.Managers:
    """The people and group named in App Home, the installer, and whether guests may ask.

    The installer is a manager in both modes: "Add to Slack" records who installed; in single-workspace mode the
    operator names them in LOOKOUT_INSTALLER_USER_ID (Slack does not tell a bot token who installed the app).
    """
    async with services.database.session() as session:
        access = await repo.get_access(session=session, workspace_id=workspace_id)
        if services.settings.slack_mode is SlackMode.SINGLE_WORKSPACE:
            installer = services.settings.lookout_installer_user_id
        else:
            installer = await repo.installer_user_id(session=session, workspace_id=workspace_id)
    if access is None:
        return messages.Managers(
            user_ids=[], group_id="", group_handle="", installer_id=installer, guests_may_ask=False
        )
    return messages.Managers(
        user_ids=access.manager_user_ids.split(),
        group_id=access.manager_group_id,
        group_handle=access.manager_group_handle,
        installer_id=installer,
        guests_may_ask=access.guests_may_ask,
    )


async def check(
    *,
    services: Services,
    workspace: Workspace,
    user_id: str,
    capability: Capability,
    client: AsyncWebClient,
    count: bool = True,
) -> Refusal | None:
    """None when `user_id` may do what `capability` covers in `workspace`; otherwise why not, as text to show.

    `count=False` when only deciding what to show (App Home), so the refusal metric counts refused requests only.
    """
    if capability is Capability.EVERYONE:
        return None
    assert workspace.id is not None
    workspace_id = workspace.id
    try:
        person = await services.people.person(client=client, workspace_id=workspace_id, user_id=user_id)
        if capability is Capability.ASK and not person.guest:
            return None  # the common path: a member's question needs no database read
        managers = await managers_of(services=services, workspace_id=workspace_id)
        manager = await _is_manager(
            services=services, client=client, workspace_id=workspace_id, user_id=user_id, managers=managers
        )
    except PeopleLookupFailed:
        return _refused(services, capability, "role_unknown", messages.ROLE_UNKNOWN, count=count)
    role = Role(admin=person.admin, manager=manager, guest=person.guest)
    if allows(role, capability, guests_may_ask=managers.guests_may_ask):
        return None
    if capability is Capability.ASK:
        return _refused(services, capability, "guest", messages.GUEST_DECLINED, count=count)
    if capability is Capability.ADMIN:
        return _refused(services, capability, "not_an_admin", messages.ADMIN_ONLY, count=count)
    return _refused(services, capability, "not_a_manager", messages.settings_refused(managers), count=count)


async def _is_manager(
    *, services: Services, client: AsyncWebClient, workspace_id: int, user_id: str, managers: messages.Managers
) -> bool:
    if user_id == managers.installer_id or user_id in managers.user_ids:
        return True
    if not managers.group_id:
        return False
    members = await services.people.group_members(client=client, workspace_id=workspace_id, group_id=managers.group_id)
    return user_id in members


def _refused(services: Services, capability: Capability, reason: str, text: str, *, count: bool) -> Refusal:
    if count:
        services.metrics.access_refused.labels(capability=capability.value, reason=reason).inc()
        logger.info("refused a %s request: %s", capability.value, reason)
    return Refusal(text=text, reason=reason)


async def record_change(
    *, services: Services, workspace_id: int, user_id: str, surface: Surface, action: str, detail: str
) -> None:
    """One entry of the settings-change trail (shown to managers in App Home, included in `lookout export`)."""
    async with services.database.session() as session:
        await repo.record_change(
            session=session,
            workspace_id=workspace_id,
            user_id=user_id,
            surface=surface.value,
            action=action[:64],
            detail=detail[:_MAX_DETAIL],
            now=services.clock(),
        )
