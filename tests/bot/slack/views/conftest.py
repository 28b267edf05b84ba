"""App Home's settings tests run the real app with a Google OAuth client configured (on the fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.helpers.app_harness import RunningApp, StartApp
from tools.fakes.google_auth import FakeGoogleAuth


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogleAuth]:
    async with FakeGoogleAuth() as fake:
        yield fake


@pytest.fixture
async def home_app(start_app: StartApp, google: FakeGoogleAuth) -> RunningApp:
    """The real app in single-workspace mode with a Google OAuth client configured (on the fake)."""
    return await start_app(**google.settings_overrides())
