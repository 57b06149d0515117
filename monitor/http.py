"""HTTP for feeds and article pages: one shared client that is polite, bounded and safe.

`Fetcher` wraps a single `httpx.AsyncClient` and adds what a poller needs and httpx
leaves to the caller: conditional GET, a body cap counted on decompressed bytes while
streaming (a gzip bomb stops early), manual redirects with loop detection, global and
per-host concurrency limits, retries with backoff that honour Retry-After, and an SSRF
guard for links taken from untrusted feeds. Every failure leaves as a `FetchError` with
a stable `kind`; nothing from httpx, anyio or ssl escapes.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import ipaddress
import logging
import random
import socket
import ssl
import sys
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

import anyio
import httpcore
import httpx

# httpcore runs `import sniffio` on every request (to tell asyncio from trio); without
# sniffio installed, each failed import searches sys.path again (about 60 µs, a dozen times
# a request, on the event loop). Noting its absence once makes the same ImportError
# immediate, for every importer alike; httpcore then assumes asyncio, which it is. sniffio
# is not a dependency: anyio 4.16 (the locked version) no longer needs it, and installing a
# package only so that an optional import succeeds would add one to requirements.lock for
# nothing else. Where sniffio is installed this does nothing.
if importlib.util.find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

from monitor.config.models import FetchConfig
from monitor.domain import FetchResult
from monitor.errors import BlockedURLError, FetchError

__all__ = ["AddressPolicy", "Fetcher", "Resolver", "parse_retry_after"]

logger = logging.getLogger(__name__)

# Resolves (host, port) to IP address strings; the default asks the system (getaddrinfo).
Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Says why an address may not be reached from an untrusted link (None: it may).
AddressPolicy = Callable[[IPAddress], str | None]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_NOT_RETRIED_5XX = frozenset({501, 505})
_CHUNK = 64 * 1024
#: A non-2xx body at most this big is read and dropped, so its connection is kept alive
#: (an unread body closes it: a pass of 304s would open a new connection per feed).
_DRAIN_BYTES = 64 * 1024
_LIBRARY_ERRORS = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.StreamError,
    OSError,
    ssl.SSLError,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    anyio.EndOfStream,
    zlib.error,
    UnicodeError,
)


@dataclass(slots=True)
class _Budget:
    """One fetch's time: `fetch.total_timeout` covers every hop and retry of it, so a server
    that drips bytes holds a pass for that long at most. The clock starts when the first
    hop holds its connection slots (waiting for a free slot is not the server's fault)."""

    total: float
    deadline: float | None = None

    def start(self) -> float:
        if self.deadline is None:
            self.deadline = asyncio.get_running_loop().time() + self.total
        return self.deadline

    def left(self) -> float:
        if self.deadline is None:
            return self.total
        return self.deadline - asyncio.get_running_loop().time()


@dataclass(frozen=True, slots=True)
class _Hop:
    """One answered GET: status, lowercase headers and (for 2xx) the capped body."""

    status: int
    headers: dict[str, str]
    body: bytes = b""


class _Pool(httpcore.AsyncConnectionPool):
    """httpcore's connection pool with linear bookkeeping and no double booking.

    httpcore 1.0 re-examines every connection each time a request starts or ends: each idle
    connection is asked `has_expired()` (for HTTP/1.1 a `getpeername` and a `poll` through
    anyio's attribute table), and for each idle one it counts all connections again. It
    also offers an idle connection to every waiting request until one of them starts on it,
    so the others fail with `ConnectionNotAvailable` and go round again (5,000 such retries
    for 1,000 pages at 32 connections), and it counts busy connections against
    `max_keepalive_connections`, so above that many it closed each connection as soon as it
    came free. Here:

    - an idle connection is checked for expiry when it is about to be handed out (one the
      server closed is never reused) and the others at most once a second
      (`keepalive_expiry` is 5 s);
    - an idle connection promised to a request that has not started on it yet is not
      offered to another, nor closed to make room;
    - the keep-alive limit counts idle connections, as its documentation says.

    Otherwise the same decisions: reuse a connection to the origin, else open one while
    under `max_connections`, else replace an idle one, else wait.
    """

    SWEEP_SECONDS = 1.0
    _next_sweep = 0.0

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        closing: list[httpcore.AsyncConnectionInterface] = []
        now = time.monotonic()
        sweep = now >= self._next_sweep
        if sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
        promised = {id(r.connection) for r in self._requests if r.connection is not None}
        kept: list[httpcore.AsyncConnectionInterface] = []
        spare: list[httpcore.AsyncConnectionInterface] = []  # idle and promised to no one
        for connection in self._connections:
            if connection.is_closed():
                continue
            if connection.is_idle():
                if sweep and connection.has_expired():
                    closing.append(connection)
                    continue
                if id(connection) not in promised:
                    spare.append(connection)
            kept.append(connection)
        surplus = max(0, len(spare) - self._max_keepalive_connections)
        for connection in spare[:surplus]:
            kept.remove(connection)
            closing.append(connection)
        del spare[:surplus]
        self._connections = kept
        for pool_request in self._requests:
            if pool_request.is_queued():
                self._assign(pool_request, kept, spare, closing)
        return closing

    def _assign(
        self,
        pool_request: Any,
        kept: list[httpcore.AsyncConnectionInterface],
        spare: list[httpcore.AsyncConnectionInterface],
        closing: list[httpcore.AsyncConnectionInterface],
    ) -> None:
        origin = pool_request.request.url.origin
        for connection in [c for c in spare if c.can_handle_request(origin)]:
            spare.remove(connection)
            if connection.has_expired():  # closed by the server meanwhile, or too old
                kept.remove(connection)
                closing.append(connection)
                continue
            pool_request.assign_to_connection(connection)
            return
        for connection in kept:  # a busy connection that takes more (HTTP/2)
            busy = not connection.is_idle()
            if busy and connection.can_handle_request(origin) and connection.is_available():
                pool_request.assign_to_connection(connection)
                return
        if len(kept) >= self._max_connections:
            if not spare:
                return  # the request waits for a connection to come free
            victim = spare.pop(0)
            kept.remove(victim)
            closing.append(victim)
        connection = self.create_connection(origin)
        kept.append(connection)
        pool_request.assign_to_connection(connection)


class _Slots:
    """N slots (the client's `fetch.max_connections`, a host's `fetch.per_host`), where a
    waiting urgent fetch goes before the others.

    A polling pass fetches a feed's article pages and the next feeds through one client:
    with plain FIFO slots the pages of the first feeds queue behind every other feed's
    fetch, so extraction starts only once nearly all feeds are in (the workers idle
    meanwhile) and the feeds' entries pile up. Pages marked urgent take the next free slot;
    the number of pages waiting is bounded by the poller's pipeline, so feeds still get slots.
    Among fetches of one kind the order stays first come, first served.
    """

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (
            deque(),
            deque(),
        )
        self._holds = (_Hold(self, False), _Hold(self, True))

    def hold(self, *, urgent: bool) -> _Hold:
        """`async with slots.hold(urgent=...)`: one slot, for the block's duration."""
        return self._holds[urgent]

    async def _acquire(self, urgent: bool) -> None:
        if self._free > 0 and not (self._waiting[0] or self._waiting[1]):
            self._free -= 1
            return
        line = self._waiting[0 if urgent else 1]
        turn = asyncio.get_running_loop().create_future()
        line.append(turn)
        try:
            await turn
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._release()  # handed a slot as it was cancelled: pass it on
            else:
                line.remove(turn)
            raise

    def _release(self) -> None:
        for line in self._waiting:
            while line:
                turn = line.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._free += 1


class _Hold:
    """One of `_Slots`' two context managers (a plain class: a fetch enters two of them, and a
    generator-based one costs several times as much)."""

    __slots__ = ("_slots", "_urgent")

    def __init__(self, slots: _Slots, urgent: bool) -> None:
        self._slots, self._urgent = slots, urgent

    async def __aenter__(self) -> None:
        await self._slots._acquire(self._urgent)

    async def __aexit__(self, *exc: object) -> None:
        self._slots._release()


def _use_linear_pool(client: httpx.AsyncClient) -> bool:
    """Give the client's default transport `_Pool` (same settings, same connections: only
    the class changes). False when httpx's layout is not the one `_Pool` was written for;
    the client then keeps httpcore's own pool, slower but correct."""
    transport = getattr(client, "_transport", None)
    pool = getattr(transport, "_pool", None)
    if type(pool) is not httpcore.AsyncConnectionPool:
        return False
    pool.__class__ = _Pool
    return True


class Fetcher:
    """The service's HTTP client: `async with Fetcher(cfg) as f: await f.fetch(url)`."""

    def __init__(
        self,
        cfg: FetchConfig,
        *,
        resolver: Resolver | None = None,
        address_policy: AddressPolicy | None = None,
    ) -> None:
        self._cfg = cfg
        self._resolve = resolver or _system_resolve
        self._refuse = address_policy or _non_public
        self._client: httpx.AsyncClient | None = None
        self._global = _Slots(cfg.max_connections)
        self._hosts: dict[str, _Slots] = {}
        self._host_users: dict[str, int] = {}  # requests holding or awaiting a host's slot

    async def __aenter__(self) -> Fetcher:
        cfg = self._cfg
        self._global = _Slots(cfg.max_connections)  # its waiters belong to this event loop
        self._hosts, self._host_users = {}, {}
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=cfg.connect_timeout.total_seconds(),
                read=cfg.read_timeout.total_seconds(),
                write=cfg.read_timeout.total_seconds(),
                pool=cfg.total_timeout.total_seconds(),
            ),
            limits=httpx.Limits(
                max_connections=cfg.max_connections,
                max_keepalive_connections=min(cfg.max_connections, 20),
            ),
            headers={"User-Agent": cfg.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
        )
        if not _use_linear_pool(self._client):
            logger.debug("httpx's transport is not the expected one; its own pool is used")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        untrusted: bool = False,
        accept: str | None = None,
        urgent: bool = False,
    ) -> FetchResult:
        """GET `url` (conditionally when etag/last_modified are given), retrying what may pass.

        `untrusted` marks links found in feeds: unless `allow_private_networks` is set,
        every hop must resolve to public addresses only. A trusted URL (a feed in config)
        is trusted for its own host only: a redirect to another host is checked like a link
        from a feed. `fetch.total_timeout` bounds the whole fetch, redirects and retries
        included. An `urgent` fetch takes the next free connection before the others waiting
        (a page whose entry is in the pipeline goes before the next feed).
        """
        target = _check_url(url)  # parsed once: every hop and retry reuses it
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        guard = untrusted and not self._cfg.allow_private_networks
        cfg = self._cfg
        budget = _Budget(cfg.total_timeout.total_seconds())
        attempt = 0
        while True:
            try:
                result = await self._follow(url, target, headers, guard, budget, urgent)
            except FetchError as err:
                limit = cfg.max_retry_after.total_seconds()
                if err.retry_after is not None and err.retry_after > limit:
                    raise FetchError(
                        url,
                        "rate-limited",
                        f"the server asked us to wait {err.retry_after:.0f}s (Retry-After), "
                        f"longer than fetch.max_retry_after ({limit:.0f}s); "
                        "the feed is deferred until then",
                        status=err.status,
                        retry_after=err.retry_after,
                    ) from None
                if attempt >= cfg.retries or not _retryable(err):
                    raise
                delay = cfg.retry_backoff.total_seconds() * 2**attempt * random.uniform(1.0, 1.5)
                if err.retry_after is not None:
                    delay = max(delay, err.retry_after)
                if delay >= budget.left():
                    raise  # no time left for another attempt within fetch.total_timeout
                attempt += 1
                logger.info(
                    "retrying %s in %.2fs (attempt %d of %d): %s",
                    url,
                    delay,
                    attempt,
                    cfg.retries,
                    err.kind,
                )
                await asyncio.sleep(delay)
                continue
            if not result.not_modified and result.final_url != url:
                logger.debug("%s redirected to %s", url, result.final_url)
            return result

    async def _follow(
        self,
        url: str,
        target: httpx.URL,
        headers: dict[str, str],
        guard: bool,
        budget: _Budget,
        urgent: bool,
    ) -> FetchResult:
        """Walk redirects by hand so every hop is checked and counted."""
        cfg = self._cfg
        current, parsed = url, target  # the hop's URL as written, and parsed
        seen = {str(target)}
        trusted_host = target.host
        permanent = True
        for hops in range(cfg.max_redirects + 1):
            # a redirect off a trusted URL's host is a link someone else chose: check it too
            check = guard or (not cfg.allow_private_networks and parsed.host != trusted_host)
            # a checked hop connects to the very address that was checked (no DNS rebinding)
            pin = await self._guard(current, parsed) if check else None
            hop = await self._get(current, parsed, headers, pin, budget, urgent)
            location = hop.headers.get("location")
            if hop.status in _REDIRECTS and location:
                nxt = urljoin(current, location.strip())
                nxt_parsed = _check_url(nxt, via=current)
                key = str(nxt_parsed)
                if key in seen:
                    raise FetchError(
                        url,
                        "redirect-loop",
                        f"redirects loop back to {nxt} after {hops + 1} hop(s); "
                        "the site is misconfigured: check the URL in a browser",
                        status=hop.status,
                    )
                if hops == cfg.max_redirects:
                    raise FetchError(
                        url,
                        "too-many-redirects",
                        f"more than {cfg.max_redirects} redirects (last to {nxt}); use the "
                        "final URL directly or raise fetch.max_redirects",
                        status=hop.status,
                    )
                seen.add(key)
                permanent = permanent and hop.status in _PERMANENT
                current, parsed = nxt, nxt_parsed
                continue
            return self._result(url, current, hop, headers, permanent and current != url)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _result(
        self, url: str, final: str, hop: _Hop, sent: dict[str, str], moved: bool
    ) -> FetchResult:
        """Turn the last hop into a FetchResult, or a FetchError for an error status."""
        if hop.status == 304:
            return FetchResult(
                url=url,
                final_url=final,
                status=304,
                body=b"",
                headers=hop.headers,
                etag=hop.headers.get("etag") or sent.get("If-None-Match"),
                last_modified=hop.headers.get("last-modified") or sent.get("If-Modified-Since"),
                not_modified=True,
                redirected_permanently=moved,
            )
        if 200 <= hop.status < 300:
            return FetchResult(
                url=url,
                final_url=final,
                status=hop.status,
                body=hop.body,
                headers=hop.headers,
                etag=hop.headers.get("etag"),
                last_modified=hop.headers.get("last-modified"),
                redirected_permanently=moved,
            )
        raise _status_error(url, final, hop)

    async def _get(
        self,
        url: str,
        parsed: httpx.URL,
        headers: dict[str, str],
        pin: str | None,
        budget: _Budget,
        urgent: bool,
    ) -> _Hop:
        """One GET under the concurrency limits and the total timeout; 2xx bodies are read.

        With `pin`, the connection goes to that address while Host and TLS (SNI and the
        certificate check) still name the URL's host.
        """
        client = self._client
        if client is None:
            raise RuntimeError("use Fetcher as `async with Fetcher(cfg) as fetcher:`")
        host = parsed.host
        target = parsed
        extensions: dict[str, str] = {}
        if pin is not None and pin != host:
            target = parsed.copy_with(host=pin)
            headers = {**headers, "Host": parsed.netloc.decode("ascii")}
            if parsed.scheme == "https":
                extensions["sni_hostname"] = host
        total = budget.total
        async with self._host_slot(host, urgent), self._global.hold(urgent=urgent):
            try:
                async with asyncio.timeout_at(budget.start()):
                    async with client.stream(
                        "GET", target, headers=headers, extensions=extensions
                    ) as resp:
                        hop_headers = {k.lower(): v for k, v in resp.headers.items()}
                        if not 200 <= resp.status_code < 300:
                            await _drain(resp, hop_headers)
                            return _Hop(resp.status_code, hop_headers)
                        body = await self._read_capped(resp, url, hop_headers)
                        return _Hop(resp.status_code, hop_headers, body)
            except FetchError:
                raise
            except TimeoutError:
                raise FetchError(
                    url,
                    "timeout",
                    f"{host} did not deliver the whole response within {total:g}s "
                    "(fetch.total_timeout, for all redirects and retries); the server is slow "
                    "or stalled, retry later",
                ) from None
            except _LIBRARY_ERRORS as exc:
                raise _map_exception(exc, url, self._cfg) from None

    @contextlib.asynccontextmanager
    async def _host_slot(self, host: str, urgent: bool) -> AsyncIterator[None]:
        """Hold one of the host's `per_host` slots; forget idle hosts to bound memory."""
        slots = self._hosts.get(host)
        if slots is None:
            slots = self._hosts[host] = _Slots(self._cfg.per_host)
        self._host_users[host] = self._host_users.get(host, 0) + 1
        try:
            async with slots.hold(urgent=urgent):
                yield
        finally:
            self._host_users[host] -= 1
            if not self._host_users[host]:
                del self._host_users[host], self._hosts[host]

    async def _read_capped(self, resp: httpx.Response, url: str, headers: dict[str, str]) -> bytes:
        """Stream the body, decompressing it ourselves, and stop as soon as it exceeds the cap."""
        cap = self._cfg.max_bytes
        length = headers.get("content-length", "")
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("", "identity") and length.isdigit() and int(length) > cap:
            raise _too_large(url, cap, f"Content-Length says {int(length)} bytes")
        inflater = _Inflater.for_encoding(encoding)
        parts: list[bytes] = []
        size = 0

        def take(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)
            if size > cap:
                raise _too_large(url, cap, f"more than {cap} bytes after decompression")
            parts.append(chunk)

        if inflater is None:  # an encoding we did not ask for: let httpx decode it
            async for chunk in resp.aiter_bytes():
                take(chunk)
        else:
            async for raw in resp.aiter_raw():
                for chunk in inflater.feed(raw):
                    take(chunk)
        return b"".join(parts)

    async def _guard(self, url: str, parsed: httpx.URL) -> str:
        """Refuse a hop whose host is, or resolves to, a non-public address.

        Returns the checked address to connect to, so a second lookup (which a hostile DNS
        server could answer differently) never happens.
        """
        host = parsed.host
        port = parsed.port or _default_port(parsed)
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                found = await self._resolve(host, port)
            except (OSError, UnicodeError) as exc:
                raise FetchError(
                    url,
                    "dns",
                    f"the name {host} does not resolve ({exc}); check the link's spelling "
                    "and this machine's DNS",
                ) from None
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
        if not addresses:
            raise FetchError(url, "dns", f"the name {host} resolves to no address")
        for address in addresses:
            reason = self._refuse(address)
            if reason:
                raise BlockedURLError(
                    url,
                    "blocked",
                    f"{host} is {address}, a {reason} address; links from feeds may not "
                    "reach loopback or private networks (set fetch.allow_private_networks: "
                    "true only if this is intended)",
                )
        return str(addresses[0])


class _Inflater:
    """Incremental gzip/deflate decoding with bounded output per step (bomb-safe)."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._d = zlib.decompressobj(wbits)
        self._started = False

    @classmethod
    def for_encoding(cls, encoding: str) -> _Inflater | _Identity | None:
        if encoding in ("", "identity"):
            return _Identity()
        if encoding in ("gzip", "x-gzip"):
            return cls(16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return cls(zlib.MAX_WBITS)
        return None

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decode `data`, yielding at most _CHUNK bytes at a time."""
        while True:
            if self._d.eof:  # another gzip member may follow; zero padding may not
                if not data.strip(b"\0"):
                    return
                self._d = zlib.decompressobj(self._wbits)
            try:
                out = self._d.decompress(data, _CHUNK)
            except zlib.error:
                if self._started or self._wbits != zlib.MAX_WBITS:
                    raise
                self._wbits = -zlib.MAX_WBITS  # "deflate" sent as a raw stream
                self._d = zlib.decompressobj(self._wbits)
                out = self._d.decompress(data, _CHUNK)
            self._started = True
            if out:
                yield out
            if self._d.eof:
                data = self._d.unused_data
            else:
                data = self._d.unconsumed_tail
                if not data and len(out) < _CHUNK:  # input used up, no output pending
                    return


class _Identity:
    """No content coding: bytes pass through."""

    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data


async def _system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for host (what httpx will connect to)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _non_public(ip: IPAddress) -> str | None:
    """Why `ip` is not a public unicast address, or None when it is one."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return _non_public(embedded)
    for reason, flag in (
        ("loopback", ip.is_loopback),
        ("private", ip.is_private),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("unspecified", ip.is_unspecified),
    ):
        if flag:
            return reason
    return None if ip.is_global else "non-global"


def _check_url(url: str, *, via: str | None = None) -> httpx.URL:
    """Only absolute http(s) URLs with a host are fetched; the URL, parsed."""
    where = f" (redirect from {via})" if via else ""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchError(url, "invalid-url", f"not a valid URL{where}: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(
            url, "invalid-url", f"only absolute http(s) URLs are fetched{where}; fix the link"
        )
    return parsed


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _retryable(err: FetchError) -> bool:
    """Network trouble, 408, 429 and most 5xx may pass on a second try; the rest will not."""
    if err.kind in ("timeout", "connect", "protocol", "rate-limited"):
        return True
    status = err.status or 0
    return status == 408 or (500 <= status < 600 and status not in _NOT_RETRIED_5XX)


async def _drain(resp: httpx.Response, headers: dict[str, str]) -> None:
    """Read a bodiless or small non-2xx response to its end, keeping the connection reusable."""
    length = headers.get("content-length", "")
    if resp.status_code in (204, 304) or (length.isdigit() and int(length) <= _DRAIN_BYTES):
        with contextlib.suppress(httpx.HTTPError):  # the status is the answer; the body is not
            await resp.aread()


def _status_error(url: str, final: str, hop: _Hop) -> FetchError:
    """A FetchError for a non-2xx, non-304 final answer."""
    status = hop.status
    retry_after = parse_retry_after(hop.headers.get("retry-after"))
    reason = httpx.codes.get_reason_phrase(status) or "unknown status"
    at = f" at {final}" if final != url else ""
    if status == 429:
        wait = f"; it asked for {retry_after:.0f}s" if retry_after is not None else ""
        return FetchError(
            url,
            "rate-limited",
            f"429 Too Many Requests{at}: the server rate-limits us{wait}; poll less often",
            status=status,
            retry_after=retry_after,
        )
    advice = {
        404: "the page or feed is not there: check the URL, it may have moved",
        410: "the server says it is gone for good: remove it from config",
        401: "it needs credentials: this service does not log in, remove the URL",
        403: "the server refuses us: it may block our User-Agent (fetch.user_agent)",
    }.get(status)
    if advice is None:
        advice = (
            "the server failed, it is retried later"
            if status >= 500
            else "the server refused the request"
        )
    return FetchError(
        url,
        f"http-{status}",
        f"HTTP {status} {reason}{at}; {advice}",
        status=status,
        retry_after=retry_after,
    )


def _too_large(url: str, cap: int, detail: str) -> FetchError:
    return FetchError(
        url,
        "too-large",
        f"the response is over the {cap}-byte cap ({detail}); it was not read further. "
        "Raise fetch.max_bytes if this source is legitimate",
    )


def _chain(exc: BaseException) -> list[BaseException]:
    """exc and its causes/contexts, outermost first."""
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def _map_exception(exc: BaseException, url: str, cfg: FetchConfig) -> FetchError:
    """Translate an httpx/anyio/ssl/OS error into a FetchError with a stable kind."""
    parsed = httpx.URL(url)
    host, where = parsed.host, f"{parsed.host}:{parsed.port or _default_port(parsed)}"
    chain = _chain(exc)
    os_errors = [e for e in chain if isinstance(e, OSError) and e.errno]
    detail = (os_errors[-1].strerror if os_errors else None) or str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        kind, message = (
            "timeout",
            (
                f"could not connect to {where} within {cfg.connect_timeout.total_seconds():g}s "
                "(fetch.connect_timeout); the host is down or filtered, retry later"
            ),
        )
    elif isinstance(exc, httpx.TimeoutException):
        kind, message = (
            "timeout",
            (
                f"{host} sent nothing for {cfg.read_timeout.total_seconds():g}s "
                "(fetch.read_timeout); the server is slow or stalled, retry later"
            ),
        )
    elif any(isinstance(e, socket.gaierror) for e in chain):
        kind, message = (
            "dns",
            (
                f"the name {host} does not resolve ({detail}); check the URL's spelling "
                "and this machine's DNS"
            ),
        )
    elif any(isinstance(e, ssl.SSLError) for e in chain):
        kind, message = "tls", f"TLS with {where} failed ({detail}); the site's TLS is broken"
    elif isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        kind, message = "invalid-url", f"cannot fetch this URL ({detail}); fix the link"
    elif isinstance(exc, httpx.ConnectError):
        kind, message = (
            "connect",
            (f"could not connect to {where} ({detail}); check the URL and that the site is up"),
        )
    elif isinstance(exc, httpx.NetworkError | OSError | anyio.BrokenResourceError):
        kind, message = "connect", f"the connection to {where} broke ({detail}); retry later"
    else:
        kind, message = (
            "protocol",
            (
                f"{host} sent a malformed response ({type(exc).__name__}: {detail}); "
                "the server is misbehaving, retry later"
            ),
        )
    return FetchError(url, kind, message)


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80
