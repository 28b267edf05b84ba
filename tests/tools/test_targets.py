"""A tool asked for another property or site reads it only when the workspace's grant lists it (`tools.targets`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest

from tools.base import ToolError, ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle
from tools.google import Ga4Client, GscClient
from tools.sample.dataset import PropertyDataset
from tools.targets import NamedTargets, PropertyRef

from .conftest import NOW, PROPERTY_ID

BETA_ID = "222222"
BETA_SITE = "sc-domain:beta.test"
LAST_WEEK = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}


@dataclass
class ListedDirectory:
    """What a grant lists, as a `TargetDirectory`; counts how often it was asked."""

    refs: list[PropertyRef]
    site_urls: list[str]
    asked: list[str] = field(default_factory=list)

    async def properties(self) -> Sequence[PropertyRef]:
        self.asked.append("properties")
        return self.refs

    async def sites(self) -> Sequence[str]:
        self.asked.append("sites")
        return self.site_urls

    async def details(self, ref: PropertyRef) -> PropertyRef:
        self.asked.append(f"details {ref.property_id}")
        return PropertyRef(property_id=ref.property_id, name=ref.name, time_zone="Europe/Berlin", currency="EUR")


def agency(*names: tuple[str, str]) -> ListedDirectory:
    refs = [PropertyRef(property_id=pid, name=name) for pid, name in names]
    return ListedDirectory(refs=refs, site_urls=["sc-domain:acme.test", "https://www.beta.test/", BETA_SITE])


@pytest.mark.parametrize("asked", ["Beta Shop", "beta shop", "beta", "222", "properties/222", " Beta  Shop "])
async def test_a_listed_property_is_found_by_name_part_or_id(asked: str) -> None:
    targets = NamedTargets(directory=agency(("111", "Acme"), ("222", "Beta Shop")), ga4=None, gsc=None)

    found = await targets.find_property(asked)

    assert (found.property_id, found.name, found.time_zone, found.currency) == (
        "222",
        "Beta Shop",
        "Europe/Berlin",
        "EUR",
    )
    assert targets.property_read(asked) == found


async def test_an_exact_name_wins_over_names_that_contain_it() -> None:
    targets = NamedTargets(directory=agency(("111", "Acme"), ("222", "Acme EU")), ga4=None, gsc=None)

    assert (await targets.find_property("acme")).property_id == "111"
    with pytest.raises(ToolError, match=r"'Acm' matches several GA4 propertys?: Acme \(111\), Acme EU \(222\)"):
        await targets.find_property("Acm")


async def test_a_property_the_grant_does_not_list_is_refused_naming_the_choices() -> None:
    directory = agency(("111", "Acme"), ("222", "Beta"))
    targets = NamedTargets(directory=directory, ga4=None, gsc=None)

    for asked in ("Globex", "333", "properties/333"):
        with pytest.raises(ToolError) as refused:
            await targets.find_property(asked)
        assert f"No GA4 property {asked!r} is readable" in str(refused.value)
        assert "Acme (111), Beta (222)" in str(refused.value)
        assert targets.property_read(asked) is None
    assert not [asked for asked in directory.asked if asked.startswith("details")]


async def test_a_long_list_is_named_in_part() -> None:
    targets = NamedTargets(directory=agency(*((str(n), f"Client {n}") for n in range(100, 130))), ga4=None, gsc=None)

    with pytest.raises(ToolError, match="Client 119 \\(119\\) and 10 more"):
        await targets.find_property("Globex")


async def test_sites_are_found_by_url_or_host_and_an_ambiguous_name_asks_for_the_exact_url() -> None:
    directory = agency(("111", "Acme"))
    targets = NamedTargets(directory=directory, ga4=None, gsc=None)

    assert await targets.find_site("acme") == "sc-domain:acme.test"
    assert await targets.find_site(BETA_SITE) == BETA_SITE
    assert await targets.find_site("beta.test") == BETA_SITE  # the exact host: the domain property
    with pytest.raises(ToolError, match="matches several Search Console sites"):
        await targets.find_site("beta")
    with pytest.raises(ToolError, match=r"No Search Console site 'globex\.test' is readable"):
        await targets.find_site("globex.test")
    assert targets.site_read("acme") == "sc-domain:acme.test"


async def test_names_resolved_once_are_not_listed_again_in_the_turn() -> None:
    directory = agency(("111", "Acme"), ("222", "Beta"))
    targets = NamedTargets(directory=directory, ga4=None, gsc=None)

    await targets.find_property("Beta")
    await targets.find_property("Beta")

    assert directory.asked == ["properties", "details 222"]


@pytest.fixture
async def two_properties(google: FakeGoogle) -> FakeGoogle:
    google.add_dataset(
        PropertyDataset(seed=23, now=NOW, days=120, timezone="Europe/Berlin", site_url="https://beta.test/"),
        property_id=BETA_ID,
    )
    google.add_site(BETA_SITE, google.properties[BETA_ID])
    return google


async def test_a_tool_reads_the_named_property_in_its_time_zone_and_the_channels_one_otherwise(
    two_properties: FakeGoogle,
    registry: ToolRegistry[ToolContext],
    make_context: Callable[..., ToolContext],
    ga4: Ga4Client,
    gsc: GscClient,
) -> None:
    directory = agency((PROPERTY_ID, "Acme"), (BETA_ID, "Beta"))
    context = make_context(targets=NamedTargets(directory=directory, ga4=ga4, gsc=gsc))

    beta = await registry.run("ga4_run_report", {**LAST_WEEK, "property": "Beta"}, context)
    own = await registry.run("ga4_run_report", LAST_WEEK, context)
    search = await registry.run(
        "gsc_search_analytics", {"start_date": "30daysAgo", "end_date": "3daysAgo", "site": BETA_SITE}, context
    )

    assert not beta.is_error and not own.is_error and not search.is_error, (beta.content, search.content)
    assert json.loads(beta.content)["property_id"] == BETA_ID
    assert json.loads(beta.content)["time_zone"] == "Europe/Berlin"
    assert json.loads(own.content)["property_id"] == PROPERTY_ID
    assert [r.resource for r in two_properties.calls("runReport")] == [
        f"properties/{BETA_ID}",
        f"properties/{PROPERTY_ID}",
    ]
    assert {r.resource for r in two_properties.calls("searchAnalytics.query")} == {BETA_SITE}
    assert json.loads(search.content)["site_url"] == BETA_SITE


async def test_a_refused_name_reaches_no_google_api_and_tells_the_model_the_choices(
    two_properties: FakeGoogle, registry: ToolRegistry[ToolContext], make_context: Callable[..., ToolContext]
) -> None:
    directory = agency((PROPERTY_ID, "Acme"), (BETA_ID, "Beta"))
    with_targets = make_context(targets=NamedTargets(directory=directory, ga4=None, gsc=None))
    without = make_context()

    refused = await registry.run(
        "ga4_compare_periods",
        {"metrics": ["sessions"], "current": {"start_date": "7daysAgo", "end_date": "yesterday"}, "property": "Globex"},
        with_targets,
    )
    alone = await registry.run("ga4_run_report", {**LAST_WEEK, "property": "Beta"}, without)

    assert refused.is_error and f"Acme ({PROPERTY_ID}), Beta ({BETA_ID})" in refused.content
    assert alone.is_error and "Only this channel's own property and site" in alone.content
    assert two_properties.requests == []


async def test_confined_to_a_shared_channels_own_property_and_site_refuses_the_others_without_naming_them() -> None:
    directory = agency(("111", "Acme"), ("222", "Beta Shop"))
    own = PropertyRef(property_id="111", name="Acme")
    targets = NamedTargets(directory=directory, ga4=None, gsc=None).confined_to(
        own_property=own, own_site="sc-domain:acme.test"
    )

    assert (await targets.find_property("Acme")).property_id == "111"
    assert (await targets.find_property("properties/111")).property_id == "111"
    assert await targets.find_site("acme.test") == "sc-domain:acme.test"
    for ask in (targets.find_property("Beta Shop"), targets.find_property("222"), targets.find_site("beta.test")):
        with pytest.raises(ToolError) as refused:
            await ask
        assert "shared with people from other organisations" in str(refused.value)
        assert "Beta" not in str(refused.value) and "222" not in str(refused.value)
    assert directory.asked == []  # the grant's own list is never consulted


async def test_confined_without_an_own_property_says_none_is_set() -> None:
    targets = NamedTargets(directory=agency(("111", "Acme")), ga4=None, gsc=None).confined_to(
        own_property=None, own_site=None
    )

    with pytest.raises(ToolError, match=r"only its own GA4 property \(none is set for it\)"):
        await targets.find_property("Acme")
