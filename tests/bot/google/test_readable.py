"""What a workspace can name in a question: its grant's properties and sites (cached), or only the Demo Store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.google.discovery import GoogleDirectory
from bot.google.readable import GrantDirectory, OneTargetDirectory
from bot.google.sample import SampleGoogle
from tests.bot.google.conftest import GoogleBench
from tools.base import ToolError
from tools.cache import ResultCache
from tools.fakes.google_auth import FakeProperty, FakeSite
from tools.sample import demo_store
from tools.targets import NamedTargets


async def test_the_sample_workspace_can_name_only_the_demo_store() -> None:
    sample = SampleGoogle(clock=lambda: datetime(2026, 11, 20, 15, 30, tzinfo=UTC))
    targets = NamedTargets(directory=OneTargetDirectory(sample.target(workspace_id=1)), ga4=None, gsc=None)

    found = await targets.find_property(demo_store.PROPERTY_NAME.lower())

    assert (found.property_id, found.time_zone, found.currency) == (
        demo_store.PROPERTY_ID,
        demo_store.TIMEZONE,
        demo_store.CURRENCY,
    )
    assert await targets.find_site(demo_store.SITE_URL) == demo_store.SITE_URL
    with pytest.raises(ToolError, match=demo_store.PROPERTY_NAME):
        await targets.find_property("Acme")


async def test_the_grants_lists_are_read_once_per_workspace_and_details_come_from_the_admin_api(
    bench: GoogleBench,
) -> None:
    bench.google.add_account(
        "ana@agency.test",
        properties=[FakeProperty("111", "Acme"), FakeProperty("222", "Beta", time_zone="Europe/Berlin")],
        sites=[FakeSite("sc-domain:acme.test"), FakeSite("https://beta.test/", permission_level="siteUnverifiedUser")],
    )
    bench.google.add_account("bo@globex.test", properties=[FakeProperty("333", "Globex")])
    acme = await bench.workspace("T0AGENCY")
    globex = await bench.workspace("T0GLOBEX")
    assert (await bench.connect(acme, "ana@agency.test"))[0] == 200
    assert (await bench.connect(globex, "bo@globex.test"))[0] == 200
    lister = GoogleDirectory(bench.connections, bench.services.settings)
    cache = ResultCache()

    def directory(workspace_id: int) -> GrantDirectory:
        return GrantDirectory(directory=lister, workspace_id=workspace_id, cache=cache.for_workspace(workspace_id))

    bench.google.requests.clear()
    first = [ref.label for ref in await directory(acme).properties()]
    again = [ref.label for ref in await directory(acme).properties()]
    other = [ref.label for ref in await directory(globex).properties()]
    sites = list(await directory(acme).sites())
    beta = await directory(acme).details((await directory(acme).properties())[1])

    assert first == again == ["Acme (111)", "Beta (222)"]
    assert other == ["Globex (333)"]
    assert sites == ["sc-domain:acme.test"]  # an unverified site gives no data: not offered
    assert beta.time_zone == "Europe/Berlin"
    listed = [path.split("?")[0] for _, path in bench.google.requests]
    assert listed.count("/v1beta/accountSummaries") == 2  # once per workspace
