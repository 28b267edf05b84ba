"""Fixtures for tool tests: one FakeGoogle serving a generated property, and real SDK clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from google.oauth2.credentials import Credentials

from tools.base import ToolRegistry
from tools.cache import ResultCache
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle
from tools.google import Ga4Client, GoogleRuntime, GscClient
from tools.registry import default_registry
from tools.sample.dataset import PropertyDataset

PROPERTY_ID = "123456"
NOW = datetime(2026, 11, 20, 15, 30)


@pytest.fixture
def dataset() -> PropertyDataset:
    return PropertyDataset(seed=11, now=NOW, days=120)


@pytest.fixture
async def google(dataset: PropertyDataset) -> AsyncIterator[FakeGoogle]:
    async with FakeGoogle() as server:
        server.add_dataset(dataset, property_id=PROPERTY_ID)
        yield server


@pytest.fixture
def runtime() -> Iterator[GoogleRuntime]:
    shared = GoogleRuntime(retry_delays=(0.01, 0.02, 0.04))
    yield shared
    shared.close()


@pytest.fixture
def credentials() -> Credentials:
    return Credentials(token="test-access-token")


@pytest.fixture
def ga4(google: FakeGoogle, runtime: GoogleRuntime, credentials: Credentials) -> Ga4Client:
    return Ga4Client(credentials=credentials, data_api_url=google.url, runtime=runtime, low_quota_pause=0.01)


@pytest.fixture
def gsc(google: FakeGoogle, runtime: GoogleRuntime, credentials: Credentials) -> GscClient:
    return GscClient(credentials=credentials, api_url=google.url, runtime=runtime)


@pytest.fixture
def cache() -> ResultCache:
    return ResultCache()


def property_clock(dataset: PropertyDataset) -> Callable[[], datetime]:
    """A fixed clock at the dataset's "now", as an aware UTC datetime."""
    moment = dataset.now.replace(tzinfo=ZoneInfo(dataset.timezone)).astimezone(UTC)
    return lambda: moment


@pytest.fixture
def make_context(
    ga4: Ga4Client, gsc: GscClient, cache: ResultCache, dataset: PropertyDataset
) -> Callable[..., ToolContext]:
    def build(workspace_id: int = 1, **overrides: object) -> ToolContext:
        values: dict[str, object] = {
            "cache": cache,
            "ga4": ga4,
            "gsc": gsc,
            "property_id": PROPERTY_ID,
            "site_url": dataset.site_url,
            "clock": property_clock(dataset),
            "timezone": dataset.timezone,
            "currency": dataset.currency,
        }
        values.update(overrides)
        return ToolContext.for_workspace(workspace_id, **values)  # type: ignore[arg-type]

    return build


@pytest.fixture
def context(make_context: Callable[..., ToolContext]) -> ToolContext:
    return make_context()


@pytest.fixture
def registry() -> ToolRegistry[ToolContext]:
    return default_registry()
