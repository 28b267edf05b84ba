"""Fixtures for tool tests: one FakeGoogle serving a generated property, and real SDK clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import pytest
from google.oauth2.credentials import Credentials

from tools.fakes.dataset import PropertyDataset
from tools.fakes.google import FakeGoogle
from tools.google import Ga4Client, GoogleRuntime, GscClient

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
