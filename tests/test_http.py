"""Fetcher against a real loopback HTTP server: success, conditional GET and every failure mode."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import ssl
import threading
import time
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from monitor.config.models import FetchConfig
from monitor.domain import FetchResult
from monitor.errors import BlockedURLError, FetchError
from monitor.http import AddressPolicy, Fetcher, Resolver, _non_public, parse_retry_after
from tests.loopback import InFlight, LoopbackServer, Request, Response, redirect
from tests.smtp import self_signed_cert

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def config(**overrides: Any) -> FetchConfig:
    """Settings for tests: short timeouts, near-zero backoff, no retries unless asked."""
    values: dict[str, Any] = {
        "connect_timeout": 2,
        "read_timeout": 2,
        "total_timeout": 10,
        "retries": 0,
        "retry_backoff": 0.01,
        "user_agent": "news-monitor-test/1.0",
    }
    values.update(overrides)
    return FetchConfig(**values)


def fetch(
    url: str, cfg: FetchConfig | None = None, resolver: Resolver | None = None, **kw: Any
) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(cfg or config(), resolver=resolver) as fetcher:
            return await fetcher.fetch(url, **kw)

    return asyncio.run(go())


def fetch_error(
    url: str, cfg: FetchConfig | None = None, resolver: Resolver | None = None, **kw: Any
) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, cfg, resolver, **kw)
    return info.value


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- success and conditional GET -------------------------------------------------------


def test_ok_returns_body_headers_and_validators(http_server: LoopbackServer) -> None:
    url = http_server.static("/feed.xml", FEED)
    result = fetch(url)
    assert result.status == 200
    assert result.body == FEED
    assert result.final_url == url
    assert result.headers["content-type"] == "application/rss+xml"
    assert result.etag and result.etag == result.headers["etag"]
    assert result.last_modified == result.headers["last-modified"]
    assert not result.not_modified and not result.redirected_permanently
    assert http_server.hits("/feed.xml")[0].headers["user-agent"] == "news-monitor-test/1.0"


def test_conditional_get_sends_validators_and_gets_304(http_server: LoopbackServer) -> None:
    url = http_server.static("/feed.xml", FEED)
    first = fetch(url)
    second = fetch(url, etag=first.etag, last_modified=first.last_modified)
    sent = http_server.hits("/feed.xml")[1].headers
    assert sent["if-none-match"] == first.etag
    assert sent["if-modified-since"] == first.last_modified
    assert second.not_modified and second.status == 304 and second.body == b""
    assert second.etag == first.etag


def test_changed_resource_is_fetched_again_despite_validators(http_server: LoopbackServer) -> None:
    url = http_server.static("/feed.xml", FEED)
    result = fetch(url, etag='"stale"', last_modified=formatdate(0, usegmt=True))
    assert not result.not_modified and result.body == FEED


def test_gzip_body_is_decompressed(http_server: LoopbackServer) -> None:
    url = http_server.route("/z", Response(body=FEED * 50, gzip=True))
    result = fetch(url)
    assert result.headers["content-encoding"] == "gzip"
    assert result.body == FEED * 50


def test_accept_header_is_sent(http_server: LoopbackServer) -> None:
    url = http_server.static("/feed.xml", FEED)
    fetch(url, accept="application/rss+xml, */*;q=0.1")
    assert http_server.hits("/feed.xml")[0].headers["accept"].startswith("application/rss+xml")


# --- network failures --------------------------------------------------------------------


def test_slow_server_times_out(http_server: LoopbackServer) -> None:
    url = http_server.route("/slow", Response(body=FEED, delay=1.5))
    err = fetch_error(url, config(read_timeout=0.2))
    assert err.kind == "timeout"
    assert "read_timeout" in err.message


def test_total_timeout_bounds_a_trickling_response(http_server: LoopbackServer) -> None:
    url = http_server.route("/slow", Response(body=FEED, delay=1.5))
    err = fetch_error(url, config(read_timeout=5, total_timeout=0.3))
    assert err.kind == "timeout"
    assert "total_timeout" in err.message


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    err = fetch_error(url, config(retries=1))
    assert err.kind == "connect"
    assert "127.0.0.1" in err.message


def test_dns_failure() -> None:
    err = fetch_error("http://no-such-host.invalid/feed.xml")
    assert err.kind == "dns"
    assert "no-such-host.invalid" in err.message


def test_dropped_connection_is_a_clear_error(http_server: LoopbackServer) -> None:
    url = http_server.route("/drop", Response(drop=True))
    err = fetch_error(url)
    assert err.kind in ("protocol", "connect")


# --- HTTP status errors and retries --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "hint"), [(404, "http-404", "moved"), (410, "http-410", "gone")]
)
def test_client_errors_are_not_retried(
    http_server: LoopbackServer, status: int, kind: str, hint: str
) -> None:
    url = http_server.route("/x", Response(status=status, body=b"no"))
    err = fetch_error(url, config(retries=3))
    assert (err.kind, err.status) == (kind, status)
    assert hint in err.message
    assert len(http_server.hits("/x")) == 1


def test_server_error_is_retried_then_reported(http_server: LoopbackServer) -> None:
    url = http_server.route("/x", Response(status=500, body=b"boom"))
    err = fetch_error(url, config(retries=2))
    assert (err.kind, err.status) == ("http-500", 500)
    assert len(http_server.hits("/x")) == 3


def test_server_error_then_success(http_server: LoopbackServer) -> None:
    url = http_server.sequence("/x", [Response(status=503), Response(body=FEED)])
    assert fetch(url, config(retries=2)).body == FEED
    assert len(http_server.hits("/x")) == 2


def test_429_retry_after_is_honoured_then_succeeds(http_server: LoopbackServer) -> None:
    seen: list[float] = []
    answers = [Response(status=429, headers={"Retry-After": "1"}), Response(body=FEED)]

    def handler(_req: Request) -> Response:
        seen.append(time.monotonic())
        return answers[min(len(seen), 2) - 1]

    url = http_server.route("/x", handler)
    result = fetch(url, config(retries=2, retry_backoff=0.01))
    assert result.body == FEED
    assert len(seen) == 2
    assert seen[1] - seen[0] >= 0.95  # waited the second it was asked to, not the 10ms backoff


def test_long_retry_after_defers_instead_of_sleeping(http_server: LoopbackServer) -> None:
    url = http_server.route("/x", Response(status=429, headers={"Retry-After": "3600"}))
    err = fetch_error(url, config(retries=3, max_retry_after=60))
    assert err.kind == "rate-limited"
    assert err.retry_after == 3600
    assert len(http_server.hits("/x")) == 1


def test_retry_after_as_http_date(http_server: LoopbackServer) -> None:
    later = formatdate(time.time() + 7200, usegmt=True)
    url = http_server.route("/x", Response(status=503, headers={"Retry-After": later}))
    err = fetch_error(url, config(retries=3, max_retry_after=60))
    assert err.kind == "rate-limited"
    assert err.retry_after is not None and 7000 < err.retry_after <= 7200


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 0 ") == 0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: no wait


# --- redirects -----------------------------------------------------------------------------


def test_redirects_are_followed_and_permanent_moves_reported(http_server: LoopbackServer) -> None:
    final = http_server.static("/new.xml", FEED)
    redirect(http_server, "/b", "/new.xml", 308)
    url = redirect(http_server, "/a", http_server.url("/b"), 301)
    result = fetch(url)
    assert result.body == FEED
    assert (result.url, result.final_url) == (url, final)
    assert result.redirected_permanently


def test_temporary_redirect_is_not_a_move(http_server: LoopbackServer) -> None:
    http_server.static("/new.xml", FEED)
    redirect(http_server, "/b", "/new.xml", 302)
    url = redirect(http_server, "/a", "/b", 301)
    assert not fetch(url).redirected_permanently


def test_redirect_loop(http_server: LoopbackServer) -> None:
    redirect(http_server, "/b", "/a")
    url = redirect(http_server, "/a", "/b")
    err = fetch_error(url)
    assert err.kind == "redirect-loop"


def test_too_many_redirects(http_server: LoopbackServer) -> None:
    for i in range(6):
        redirect(http_server, f"/r{i}", f"/r{i + 1}")
    http_server.static("/r6", FEED)
    err = fetch_error(http_server.url("/r0"), config(max_redirects=3))
    assert err.kind == "too-many-redirects"
    assert len(http_server.hits("/r3")) == 1 and not http_server.hits("/r4")
    assert fetch(http_server.url("/r0"), config(max_redirects=6)).body == FEED


def test_redirect_to_another_scheme_is_refused(http_server: LoopbackServer) -> None:
    url = redirect(http_server, "/a", "ftp://example.com/feed.xml")
    assert fetch_error(url).kind == "invalid-url"


# --- size caps -----------------------------------------------------------------------------


def test_body_over_the_cap(http_server: LoopbackServer) -> None:
    url = http_server.route("/big", Response(body=b"x" * 5000))
    err = fetch_error(url, config(max_bytes=1000))
    assert err.kind == "too-large"
    assert "max_bytes" in err.message


def test_cap_counts_decompressed_bytes(http_server: LoopbackServer) -> None:
    url = http_server.route("/big", Response(body=b"abcdefgh" * 1000, gzip=True))
    assert fetch_error(url, config(max_bytes=4000)).kind == "too-large"


def test_gzip_bomb_is_stopped(http_server: LoopbackServer) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    url = http_server.route("/bomb", Response(body=bomb, headers={"Content-Encoding": "gzip"}))
    err = fetch_error(url, config(max_bytes="1MB"))
    assert err.kind == "too-large"


# --- concurrency -----------------------------------------------------------------------------


def test_per_host_and_global_limits(http_server: LoopbackServer) -> None:
    slow = InFlight(0.15)
    http_server.route("/slow", slow)
    hosts = [f"http://127.0.0.1:{http_server.port}", f"http://localhost:{http_server.port}"]
    urls = [f"{hosts[i % 2]}/slow?n={i}" for i in range(12)]

    async def go() -> list[FetchResult]:
        async with Fetcher(config(per_host=2, max_connections=3)) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(u) for u in urls))

    results = asyncio.run(go())
    assert all(r.body == b"ok" for r in results)
    assert max(slow.peak_by_host.values()) == 2
    assert slow.peak == 3


@pytest.mark.parametrize(
    ("per_host", "max_connections"), [(1, 10), (10, 1)], ids=["host-slot", "global-slot"]
)
def test_an_urgent_fetch_takes_the_next_free_connection(
    http_server: LoopbackServer, per_host: int, max_connections: int
) -> None:
    # a pass's pages go before its next feeds: the first articles reach extraction while
    # the other feeds are still waiting for a connection
    http_server.route("/slow", InFlight(0.2))
    http_server.route("/feed", Response(body=FEED))
    http_server.route("/page", Response(body=b"<p>page</p>"))

    async def go() -> None:
        cfg = config(per_host=per_host, max_connections=max_connections)
        async with Fetcher(cfg) as fetcher:
            first = asyncio.create_task(fetcher.fetch(http_server.url("/slow")))
            await asyncio.sleep(0.05)  # it holds the one slot
            feeds = [
                asyncio.create_task(fetcher.fetch(http_server.url(f"/feed?n={n}")))
                for n in range(3)
            ]
            await asyncio.sleep(0.01)  # they wait, in their order
            page = asyncio.create_task(fetcher.fetch(http_server.url("/page"), urgent=True))
            await asyncio.gather(first, *feeds, page)

    asyncio.run(go())
    order = [r.path for r in http_server.requests]
    assert order == ["/slow", "/page", "/feed?n=0", "/feed?n=1", "/feed?n=2"]


def test_a_slot_handed_to_a_cancelled_fetch_goes_to_the_next() -> None:
    from monitor.http import _Slots

    order: list[str] = []

    async def use(slots: _Slots, name: str) -> None:
        async with slots.hold(urgent=False):
            order.append(name)

    async def go() -> None:
        slots = _Slots(1)
        holder = slots.hold(urgent=True)
        await holder.__aenter__()
        first, second = (asyncio.create_task(use(slots, n)) for n in ("first", "second"))
        await asyncio.sleep(0)  # both wait
        await holder.__aexit__(None, None, None)  # hands the slot to the first
        first.cancel()  # cancelled before it ran: the slot is passed on, not lost
        await asyncio.gather(first, second, return_exceptions=True)
        await asyncio.wait_for(use(slots, "third"), 1)  # and it is free again after

    asyncio.run(go())
    assert order == ["second", "third"]


# --- SSRF guard --------------------------------------------------------------------------------


def test_untrusted_loopback_link_is_blocked(http_server: LoopbackServer) -> None:
    url = http_server.static("/article", b"<html></html>", "text/html")
    with pytest.raises(BlockedURLError) as info:
        fetch(url, config(allow_private_networks=False), untrusted=True)
    assert info.value.kind == "blocked"
    assert "loopback" in info.value.message
    assert not http_server.hits("/article")  # refused before any connection


def test_untrusted_link_allowed_when_private_networks_are(http_server: LoopbackServer) -> None:
    url = http_server.static("/article", b"<html></html>", "text/html")
    assert fetch(url, config(allow_private_networks=True), untrusted=True).status == 200


def test_trusted_feed_url_may_be_loopback(http_server: LoopbackServer) -> None:
    url = http_server.static("/feed.xml", FEED)
    assert fetch(url, config(allow_private_networks=False)).body == FEED


def test_untrusted_name_resolving_to_loopback_is_blocked(http_server: LoopbackServer) -> None:
    url = f"http://localhost:{http_server.port}/article"
    err = fetch_error(url, config(allow_private_networks=False), untrusted=True)
    assert err.kind == "blocked"


def _as_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """The real policy, except that 127.0.0.2 plays a public internet address in these tests."""
    return None if str(ip) == "127.0.0.2" else _non_public(ip)


def test_redirect_into_loopback_is_blocked(http_server: LoopbackServer) -> None:
    """A link on a public host that redirects to 127.0.0.1 is refused at the second hop.

    A second server on 127.0.0.2 stands for an internet site: the resolver says
    `site.test` is there, and the address policy treats 127.0.0.2 as public.
    """

    async def dns(host: str, port: int) -> list[str]:
        return ["127.0.0.2"] if host == "site.test" else ["127.0.0.1"]

    http_server.static("/secret", b"internal", "text/plain")
    with LoopbackServer("127.0.0.2") as site:
        redirect(site, "/hop", http_server.url("/secret"))
        url = f"http://site.test:{site.port}/hop"
        err = asyncio.run(_fetch_error(url, dns, _as_public))
        assert err.kind == "blocked"
        assert len(site.hits("/hop")) == 1
        assert site.hits("/hop")[0].headers["host"] == f"site.test:{site.port}"
    assert not http_server.hits("/secret")


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(
    http_server: LoopbackServer,
) -> None:
    """DNS rebinding: the name is checked once and the connection uses that very address.

    The resolver answers a public address first and loopback afterwards; the page is fetched
    from the public one, and nothing reaches the loopback server.
    """
    answers = iter([["127.0.0.2"], ["127.0.0.1"], ["127.0.0.1"]])

    async def rebinding_dns(host: str, port: int) -> list[str]:
        return next(answers)

    http_server.static("/page", b"loopback secret", "text/plain")
    with LoopbackServer("127.0.0.2") as site:
        site.static("/page", b"public page", "text/plain")
        url = f"http://rebind.test:{site.port}/page"
        result = asyncio.run(_fetch(url, rebinding_dns, _as_public))
        assert result.body == b"public page"
        assert result.final_url == url  # the name, not the pinned address
        assert site.hits("/page")[0].headers["host"] == f"rebind.test:{site.port}"
    assert http_server.hits("/page") == []


def test_a_pinned_https_link_still_verifies_the_certificate_for_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pinning connects to the address, but TLS (SNI, certificate check) names the host."""
    made = self_signed_cert(tmp_path, names=("site.test",))
    if made is None:
        pytest.skip("the openssl command is not available to make a test certificate")
    monkeypatch.setenv("SSL_CERT_FILE", str(made[0]))  # the client trusts this certificate
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(made[0]), str(made[1]))

    async def dns(host: str, port: int) -> list[str]:
        return ["127.0.0.2"]

    with LoopbackServer("127.0.0.2", tls=tls) as site:
        site.static("/page", b"over tls", "text/plain")
        ok = asyncio.run(_fetch(f"https://site.test:{site.port}/page", dns, _as_public))
        assert ok.body == b"over tls"
        # a name the certificate does not carry is refused, pinned or not
        err = asyncio.run(_fetch_error(f"https://other.test:{site.port}/page", dns, _as_public))
        assert err.kind == "tls"


async def _fetch(url: str, resolver: Resolver, policy: AddressPolicy) -> FetchResult:
    async with Fetcher(
        config(allow_private_networks=False), resolver=resolver, address_policy=policy
    ) as fetcher:
        return await fetcher.fetch(url, untrusted=True)


async def _fetch_error(url: str, resolver: Resolver, policy: AddressPolicy) -> FetchError:
    try:
        await _fetch(url, resolver, policy)
    except FetchError as exc:
        return exc
    raise AssertionError("expected a FetchError")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://10.0.0.8/",
        "http://192.168.1.1/admin",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
    ],
)
def test_non_public_ip_literals_are_blocked(url: str) -> None:
    err = fetch_error(url, config(allow_private_networks=False), untrusted=True)
    assert err.kind == "blocked"


def test_untrusted_unresolvable_name_is_a_dns_error() -> None:
    err = fetch_error(
        "http://no-such-host.invalid/a", config(allow_private_networks=False), untrusted=True
    )
    assert err.kind == "dns"


@pytest.mark.parametrize(
    "url", ["ftp://example.com/feed", "file:///etc/passwd", "not a url", "http:///x"]
)
def test_non_http_urls_are_refused(url: str) -> None:
    assert fetch_error(url).kind == "invalid-url"


# --- a trusted feed's redirects are not trusted --------------------------------------------


def test_a_trusted_feed_redirecting_to_an_internal_address_is_blocked(
    http_server: LoopbackServer,
) -> None:
    """The feed URL in config is trusted; where it redirects to is someone else's choice.

    The feed lives on 127.0.0.2 (its operator listed it); it 302s to 127.0.0.1, which
    stands for a private host: refused before any connection to it.
    """
    http_server.static("/internal", b"internal", "text/plain")
    with LoopbackServer("127.0.0.2") as feeds:
        redirect(feeds, "/rss", http_server.url("/internal"))
        err = fetch_error(feeds.url("/rss"), config(allow_private_networks=False))
        assert err.kind == "blocked" and "127.0.0.1" in err.message
        assert len(feeds.hits("/rss")) == 1
    assert not http_server.hits("/internal")


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        ("/rss2", True),  # the same host: the operator named it
        ("http://127.0.0.1:{port}/rss2", True),  # the same host spelled absolutely
        ("http://localhost:{port}/rss2", False),  # another name, resolving to loopback
    ],
)
def test_a_trusted_feed_may_redirect_within_its_own_host(
    http_server: LoopbackServer, target: str, allowed: bool
) -> None:
    http_server.static("/rss2", FEED)
    redirect(http_server, "/rss", target.format(port=http_server.port))
    cfg = config(allow_private_networks=False)
    if allowed:
        assert fetch(http_server.url("/rss"), cfg).body == FEED
    else:
        assert fetch_error(http_server.url("/rss"), cfg).kind == "blocked"


def test_redirects_off_a_trusted_host_are_followed_when_private_networks_are_allowed(
    http_server: LoopbackServer,
) -> None:
    http_server.static("/rss2", FEED)
    redirect(http_server, "/rss", f"http://localhost:{http_server.port}/rss2")
    assert fetch(http_server.url("/rss"), config(allow_private_networks=True)).body == FEED


# --- one deadline per fetch ------------------------------------------------------------------


class DripServer:
    """A raw socket server that sends headers, then a byte at a time: no read ever times out."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.requests = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/feed"
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.requests += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while not self._stop.is_set():
                    conn.sendall(b"x")
                    time.sleep(self.interval)
            except OSError:
                return

    def close(self) -> None:
        self._stop.set()
        self._sock.close()


def test_the_total_timeout_covers_every_retry_of_a_dripping_server() -> None:
    """A server that drips a byte every 0.1 s never trips the read timeout; the total
    timeout is one deadline for the fetch, so its whole budget goes to the first attempt
    and no retry starts after it (each retry used to get a fresh total timeout)."""
    server = DripServer(0.1)
    try:
        err = fetch_error(server.url, config(read_timeout=5, total_timeout=1, retries=3))
    finally:
        server.close()
    assert err.kind == "timeout" and "total_timeout" in err.message
    assert server.requests == 1


def test_a_retry_that_fits_in_the_deadline_still_happens(http_server: LoopbackServer) -> None:
    url = http_server.sequence("/flaky", [Response(500, b"oops"), Response(body=FEED)])
    assert fetch(url, config(retries=2, total_timeout=10)).body == FEED
    assert len(http_server.hits("/flaky")) == 2
