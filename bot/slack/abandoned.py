"""Answers a process left unfinished: one apology in the thread, from exactly one replica.

A process killed in the middle of an answer (SIGKILL, OOM, a lost node) leaves its claim in progress with a lease
that nobody renews (`bot.platform.slack.dedupe`). Slack's redelivery of the message, if any, takes the claim over and answers;
otherwise this sweep, run at start and then every `SWEEP_EVERY_SECONDS`, takes every claim whose lease ran out, marks
it finished (one conditional UPDATE, so replicas sweeping at once never share a claim) and posts one apology with a
reference in the message's thread, logged with the same reference.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.platform.slack.clients import WorkspaceNotInstalled, web_client_for
from bot.platform.slack.workspaces import WorkspaceKey, resolve_key
from bot.platform.slack.writes import post_once
from bot.text import core as messages
from storage.repos.events import AbandonedClaim, take_abandoned_claims

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 30.0


async def sweep_abandoned_answers(services: Services) -> int:
    """Apologise once for each message whose answer was abandoned; returns how many apologies were posted."""
    async with services.database.session() as session:
        taken = await take_abandoned_claims(session=session, expired_before=services.clock())
    posted = 0
    for claim in taken:
        if claim.place is not None and await _apologize(services, claim):
            posted += 1
    return posted


async def _apologize(services: Services, claim: AbandonedClaim) -> bool:
    assert claim.place is not None
    reference = secrets.token_hex(3)
    logger.warning("the answer to %s was abandoned (its process stopped); apologising (ref %s)", claim.key, reference)
    try:
        workspace = await resolve_key(services=services, key=WorkspaceKey.from_label(claim.team_id))
        if workspace is None or workspace.id is None:
            return False
        client = await web_client_for(services=services, workspace_id=workspace.id)
        await post_once(
            client,
            channel_id=claim.place.channel_id,
            thread_ts=claim.place.thread_ts,
            text=messages.interrupted_answer(reference=reference),
        )
    except WorkspaceNotInstalled:
        return False
    except Exception:
        logger.exception("could not apologise for an abandoned answer (ref %s)", reference)
        return False
    return True


async def start_abandoned_sweep(services: Services) -> Callable[[], Awaitable[None]]:
    """The lifecycle `lookout serve` runs: sweep now (claims of the process this one replaces), then periodically."""

    async def loop() -> None:
        while True:
            try:
                await sweep_abandoned_answers(services)
            except Exception:
                logger.exception("sweeping abandoned answers failed; trying again later")
            await asyncio.sleep(SWEEP_EVERY_SECONDS)

    task = asyncio.get_running_loop().create_task(loop(), name="abandoned-answers")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop
