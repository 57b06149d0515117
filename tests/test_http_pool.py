"""The fetcher's connection pool: connections are kept alive and reused, as many as the
concurrency needs, and one the server closed while idle is never handed out again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpcore._async.connection_pool
import pytest

from monitor.config.models import FetchConfig
from monitor.http import Fetcher, _Pool


class CountingServer:
    """An HTTP/1.1 server on loopback, in the test's event loop, that counts the
    connections it accepts; `close_each` closes a connection after every answer without
    saying so (no `Connection: close`), as a server whose keep-alive timer is short does."""

    def __init__(
        self, *, hold: float = 0.0, hold_prefix: str = "/", close_each: bool = False
    ) -> None:
        self.hold, self.hold_prefix, self.close_each = hold, hold_prefix.encode(), close_each
        self.connections = 0
        self.requests = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
                    return
                self.requests += 1
                if self.hold and head.split(b" ", 2)[1].startswith(self.hold_prefix):
                    await asyncio.sleep(self.hold)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
                writer.write(b"Content-Length: 2\r\n\r\nok")
                await writer.drain()
                if self.close_each:
                    return
        finally:
            writer.close()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.close()


def config(**overrides: Any) -> FetchConfig:
    values: dict[str, Any] = {"retries": 0, "connect_timeout": 2, "read_timeout": 2}
    values.update(overrides)
    return FetchConfig(**values)


def run(
    server: CountingServer, cfg: FetchConfig, go: Callable[[Fetcher, str], Awaitable[Any]]
) -> Any:
    async def main() -> Any:
        async with server.running() as base, Fetcher(cfg) as fetcher:
            return await go(fetcher, base)

    return asyncio.run(main())


def test_the_fetcher_runs_on_the_linear_pool() -> None:
    """If an httpx upgrade moves the transport's pool, this fails (the fetcher would still
    work, on httpcore's own pool, at its cost per request): look at `_use_linear_pool`."""

    async def go(fetcher: Fetcher, base: str) -> type:
        return type(fetcher._client._transport._pool)  # type: ignore[union-attr]

    assert run(CountingServer(), config(), go) is _Pool


def test_sequential_fetches_share_one_connection() -> None:
    server = CountingServer()

    async def go(fetcher: Fetcher, base: str) -> list[bytes]:
        return [(await fetcher.fetch(f"{base}/p/{n}")).body for n in range(6)]

    assert run(server, config(), go) == [b"ok"] * 6
    assert server.connections == 1


def test_a_connection_that_comes_free_is_kept_while_others_are_busy() -> None:
    """23 slow requests hold their connections while a 24th lane fetches ten pages one after
    another: it keeps reusing its one connection (20 idle connections are kept alive; httpcore
    counted the busy ones too, so above 20 connections it closed each one as soon as it came
    free, and the lane opened a connection per page)."""
    server = CountingServer(hold=1.5, hold_prefix="/slow")
    cfg = config(max_connections=24, per_host=24)

    async def go(fetcher: Fetcher, base: str) -> list[bytes]:
        slow = [asyncio.create_task(fetcher.fetch(f"{base}/slow/{n}")) for n in range(23)]
        await asyncio.sleep(0.1)  # the slow ones are in flight
        lane = [(await fetcher.fetch(f"{base}/fast/{n}")).body for n in range(10)]
        assert server.requests - 10 == 23 and not any(t.done() for t in slow)
        await asyncio.gather(*slow)
        return lane

    assert run(server, cfg, go) == [b"ok"] * 10
    assert server.connections == 24


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    server = CountingServer(close_each=True)

    async def go(fetcher: Fetcher, base: str) -> list[bytes]:
        bodies = []
        for n in range(4):
            bodies.append((await fetcher.fetch(f"{base}/p/{n}")).body)
            await asyncio.sleep(0.05)  # the server's FIN arrives while the connection idles
        return bodies

    assert run(server, config(), go) == [b"ok"] * 4
    assert server.connections == 4


def test_an_idle_connection_is_promised_to_one_waiting_request_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """httpcore offered a free connection to every waiting request; all but the first to
    start on it failed with ConnectionNotAvailable and went round again (about five times
    per request at 32 connections). Here no request is turned away from its connection."""
    turned_away = []
    clear = httpcore._async.connection_pool.AsyncPoolRequest.clear_connection

    def counted(self: Any) -> None:
        turned_away.append(self)
        clear(self)

    monkeypatch.setattr(
        httpcore._async.connection_pool.AsyncPoolRequest, "clear_connection", counted
    )
    server = CountingServer()
    cfg = config(max_connections=8, per_host=8)

    async def go(fetcher: Fetcher, base: str) -> int:
        results = await asyncio.gather(*(fetcher.fetch(f"{base}/p/{n}") for n in range(200)))
        return sum(r.body == b"ok" for r in results)

    assert run(server, cfg, go) == 200
    assert turned_away == []
    assert server.connections <= 8
