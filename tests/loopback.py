"""A real HTTP server on 127.0.0.1 for tests: routes, conditional GET, faults, a request log."""

from __future__ import annotations

import gzip
import hashlib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str  # with query string
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (timeouts)
    conditional: bool = False  # answer If-None-Match / If-Modified-Since with 304
    gzip: bool = False  # gzip the body (Content-Encoding: gzip)
    drop: bool = False  # close the connection without answering


Handler = Callable[[Request], Response]


class LoopbackServer:
    """ThreadingHTTPServer on an ephemeral loopback port. Register routes; read `requests`."""

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_HEAD(self) -> None:
                server._handle(self, "HEAD")

            def do_POST(self) -> None:
                server._handle(self, "POST")

        self._httpd = ThreadingHTTPServer((host, 0), _H)
        if tls is not None:  # HTTPS: the listening socket hands out TLS connections
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base_url = f"{'https' if tls else 'http'}://{host}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, handler: Handler | Response) -> str:
        """Serve `path` (query string included if given) with a fixed Response or a handler."""
        if isinstance(handler, Response):
            fixed = handler
            self.routes[path] = lambda _req: fixed
        else:
            self.routes[path] = handler
        return self.url(path)

    def static(
        self, path: str, body: bytes | str, content_type: str = "application/rss+xml"
    ) -> str:
        """A resource with a stable ETag and Last-Modified that honours conditional GET."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self.route(
            path,
            Response(body=data, headers={"Content-Type": content_type}, conditional=True),
        )

    def sequence(self, path: str, responses: list[Response]) -> str:
        """Answer successive requests with successive responses; the last one repeats."""
        state = {"i": 0}

        def handler(_req: Request) -> Response:
            i = min(state["i"], len(responses) - 1)
            state["i"] += 1
            return responses[i]

        return self.route(path, handler)

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        req = Request(method, h.path, {k.lower(): v for k, v in h.headers.items()}, body)
        with self._lock:
            self.requests.append(req)
        handler = self.routes.get(h.path) or self.routes.get(h.path.split("?", 1)[0])
        resp = handler(req) if handler else Response(404, b"not found")
        if resp.delay:
            time.sleep(resp.delay)
        if resp.drop:
            h.close_connection = True
            h.connection.close()
            return
        status, payload, headers = resp.status, resp.body, dict(resp.headers)
        if resp.conditional and status == 200:
            etag = '"' + hashlib.sha1(payload).hexdigest()[:16] + '"'
            last_modified = formatdate(1_700_000_000, usegmt=True)
            headers.setdefault("ETag", etag)
            headers.setdefault("Last-Modified", last_modified)
            if req.headers.get("if-none-match") == etag or (
                "if-none-match" not in req.headers
                and req.headers.get("if-modified-since") == last_modified
            ):
                status, payload = 304, b""
        if resp.gzip and payload:
            payload = gzip.compress(payload)
            headers["Content-Encoding"] = "gzip"
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        if "Content-Length" not in headers:
            h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        if method != "HEAD" and status not in (204, 304):
            h.wfile.write(payload)


def redirect(server: LoopbackServer, path: str, to: str, status: int = 302) -> str:
    """Serve `path` as a redirect (301/302/303/307/308) to `to` (absolute or relative)."""
    return server.route(path, Response(status=status, headers={"Location": to}))


class InFlight:
    """A handler that holds each request for `hold` seconds and records peak concurrency.

    Route it (`server.route("/slow", InFlight(0.2))`), then read `.peak` (all requests)
    and `.peak_by_host` (keyed by the Host header, e.g. "127.0.0.1:PORT" vs "localhost:PORT").
    """

    def __init__(self, hold: float, response: Response | None = None) -> None:
        self.hold = hold
        self.response = response or Response(body=b"ok")
        self.peak = 0
        self.peak_by_host: dict[str, int] = {}
        self._current = 0
        self._by_host: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, req: Request) -> Response:
        host = req.headers.get("host", "")
        with self._lock:
            self._current += 1
            self._by_host[host] = self._by_host.get(host, 0) + 1
            self.peak = max(self.peak, self._current)
            self.peak_by_host[host] = max(self.peak_by_host.get(host, 0), self._by_host[host])
        try:
            time.sleep(self.hold)
        finally:
            with self._lock:
                self._current -= 1
                self._by_host[host] -= 1
        return self.response
