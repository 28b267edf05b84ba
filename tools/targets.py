"""Reading another GA4 property or Search Console site than the channel's: the tools' `property` / `site` argument.

An agency's workspace reads several clients' properties. A tool whose input carries `property` (GA4) or `site`
(Search Console) reads that one instead of the channel's, found by `NamedTargets` among what the workspace's Google
grant lists (`TargetDirectory`) and nothing else: an unknown or ambiguous name is a `ToolError` that names the
choices, so the model can say which ones exist. `NamedTargets` remembers what each name resolved to in this turn,
so the answer's footer can name every property and site that was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel

from tools.base import ToolError

if TYPE_CHECKING:
    from tools.google.ga4 import Ga4Api
    from tools.google.gsc import GscApi

MAX_CHOICES_NAMED = 20  # an agency may see hundreds of properties: an error names this many, then counts the rest


@dataclass(frozen=True, kw_only=True)
class PropertyRef:
    """A GA4 property the grant lists; `time_zone` / `currency` when known (`TargetDirectory.details`)."""

    property_id: str  # numeric
    name: str
    time_zone: str | None = None
    currency: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.property_id})" if self.name else self.property_id


class TargetDirectory(Protocol):
    """What one workspace's Google grant can read (from Google, briefly cached by the implementation)."""

    async def properties(self) -> Sequence[PropertyRef]: ...

    async def sites(self) -> Sequence[str]: ...

    async def details(self, ref: PropertyRef) -> PropertyRef:
        """`ref` with its time zone and currency."""
        ...


class OnProperty(BaseModel):
    """A GA4 tool's input: which property, when not the channel's (the system prompt tells the model how)."""

    property: str | None = None


class OnSite(BaseModel):
    """A Search Console tool's input: which site, when not the channel's."""

    site: str | None = None


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _pick(asked: str, options: Sequence[tuple[str, Sequence[str]]], *, kind: str) -> str:
    """The one option (key, names) that `asked` names: an exact name first, else the only one containing it."""
    wanted = _norm(asked)
    exact = [key for key, names in options if any(_norm(name) == wanted for name in names)]
    if len(set(exact)) == 1:
        return exact[0]
    partial = [key for key, names in options if wanted and any(wanted in _norm(name) for name in names)]
    found = list(dict.fromkeys(exact or partial))
    if len(found) == 1:
        return found[0]
    listed = [names[0] for key, names in options if not found or key in found]
    shown = ", ".join(listed[:MAX_CHOICES_NAMED]) or "none"
    more = f" and {len(listed) - MAX_CHOICES_NAMED} more" if len(listed) > MAX_CHOICES_NAMED else ""
    if found:
        raise ToolError(f"{asked!r} matches several {kind}s: {shown}{more}. Pass the exact name or id.")
    raise ToolError(
        f"No {kind} {asked!r} is readable with this workspace's Google connection. "
        f"The {kind}s it can read: {shown}{more}. Say so if the question needs another one."
    )


def shared_channel_refusal(*, kind: str, own: str | None) -> ToolError:
    """What a tool says when a question in a channel shared with other organisations names another property or
    site: said plainly, and naming none of the others (their names are the workspace's business)."""
    which = f" ({own})" if own else " (none is set for it)"
    return ToolError(
        f"This channel is shared with people from other organisations, so only its own {kind}{which} can be read "
        f"here. Tell the person so: another {kind} can be asked about in one of the workspace's own channels."
    )


class _OwnOnly:
    """`TargetDirectory` of a channel's own property and site alone (a channel shared with other organisations)."""

    def __init__(self, *, own_property: PropertyRef | None, own_site: str | None) -> None:
        self._property = own_property
        self._site = own_site

    async def properties(self) -> Sequence[PropertyRef]:
        return [self._property] if self._property is not None else []

    async def sites(self) -> Sequence[str]:
        return [self._site] if self._site else []

    async def details(self, ref: PropertyRef) -> PropertyRef:
        return self._property or ref


class NamedTargets:
    """One turn's resolver of `property` / `site` arguments, with the clients that read them."""

    def __init__(
        self, *, directory: TargetDirectory, ga4: Ga4Api | None, gsc: GscApi | None, confined: bool = False
    ) -> None:
        self.ga4 = ga4
        self.gsc = gsc
        self._directory = directory
        self._confined = confined  # a shared channel's: anything but its own property and site is refused
        self._properties: dict[str, PropertyRef] = {}
        self._sites: dict[str, str] = {}

    def confined_to(self, *, own_property: PropertyRef | None, own_site: str | None) -> NamedTargets:
        """These targets narrowed to the channel's own property and site, for a channel shared with people of other
        organisations: the grant may read every client's data, but that channel may see only its own."""
        directory = _OwnOnly(own_property=own_property, own_site=own_site)
        return NamedTargets(directory=directory, ga4=self.ga4, gsc=self.gsc, confined=True)

    async def find_property(self, asked: str) -> PropertyRef:
        """The listed property `asked` names (its id, `properties/ID`, its display name or a unique part of it)."""
        known = self._properties.get(asked)
        if known is not None:
            return known
        listed = {ref.property_id: ref for ref in await self._directory.properties()}
        asked_id = asked.strip().removeprefix("properties/")
        if asked_id in listed:
            chosen = listed[asked_id]
        else:
            options = [(ref.property_id, (ref.label, ref.name)) for ref in listed.values()]
            try:
                chosen = listed[_pick(asked, options, kind="GA4 property")]
            except ToolError:
                if not self._confined:
                    raise
                own = next(iter(listed.values()), None)
                raise shared_channel_refusal(kind="GA4 property", own=own.label if own else None) from None
        found = await self._directory.details(chosen)
        self._properties[asked] = found
        return found

    async def find_site(self, asked: str) -> str:
        """The listed Search Console site `asked` names (its URL, `sc-domain:…`, or a unique part of it)."""
        known = self._sites.get(asked)
        if known is not None:
            return known
        listed = list(await self._directory.sites())
        options = [(url, (url, url.removeprefix("sc-domain:").split("://")[-1].strip("/"))) for url in listed]
        try:
            chosen = _pick(asked, options, kind="Search Console site")
        except ToolError:
            if not self._confined:
                raise
            raise shared_channel_refusal(kind="Search Console site", own=listed[0] if listed else None) from None
        self._sites[asked] = chosen
        return chosen

    def property_read(self, asked: str) -> PropertyRef | None:
        """What `asked` resolved to in this turn (None when it did not)."""
        return self._properties.get(asked)

    def site_read(self, asked: str) -> str | None:
        return self._sites.get(asked)
