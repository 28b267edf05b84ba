"""The start/stop life cycle the fakes share (Google, the model APIs): an aiohttp app on 127.0.0.1, ephemeral port."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web


class LoopbackServer:
    """Subclasses build their app in `build_app()`; `port` and `url` are known once `start()` has bound the port."""

    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The root to give the SDK or the settings ("" before `start()`)."""
        return f"http://127.0.0.1:{self.port}" if self.port else ""

    def build_app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> None:
        # A client that gave up (a timeout) cancels its request's handler, as it ends the work of a real server:
        # otherwise a deliberately slow answer would hold the fake's shutdown for its whole delay.
        self._runner = web.AppRunner(self.build_app(), access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
