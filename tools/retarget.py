"""Tools reading the property / site their input names (`tools.targets`): the context they run with, switched."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel

from tools.base import ToolError
from tools.context import ToolContext
from tools.targets import OnProperty, OnSite

InputT = TypeVar("InputT", bound=BaseModel)
ResultT = TypeVar("ResultT", bound=BaseModel)


async def retarget(ctx: ToolContext, *, property_asked: str | None, site_asked: str | None) -> ToolContext:
    """`ctx` reading the property / site asked for instead of the channel's (unchanged when neither is asked)."""
    if not property_asked and not site_asked:
        return ctx
    targets = ctx.targets
    if targets is None:
        raise ToolError("Only this channel's own property and site can be read here: leave out property and site.")
    changes: dict[str, object] = {}
    if property_asked:
        ref = await targets.find_property(property_asked)
        if ref.property_id != ctx.property_id:
            changes.update(ga4=targets.ga4, property_id=ref.property_id, timezone=ref.time_zone, currency=ref.currency)
    if site_asked:
        site = await targets.find_site(site_asked)
        if site != ctx.site_url:
            changes.update(gsc=targets.gsc, site_url=site)
    return dataclasses.replace(ctx, **changes) if changes else ctx  # type: ignore[arg-type]


def on_named_target(
    run: Callable[[InputT, ToolContext], Awaitable[ResultT]],
) -> Callable[[InputT, ToolContext], Awaitable[ResultT]]:
    """`run` reading the property / site its input names (`OnProperty`, `OnSite`), else the channel's."""

    async def named(args: InputT, ctx: ToolContext) -> ResultT:
        property_asked = args.property if isinstance(args, OnProperty) else None
        site_asked = args.site if isinstance(args, OnSite) else None
        return await run(args, await retarget(ctx, property_asked=property_asked, site_asked=site_asked))

    return named
