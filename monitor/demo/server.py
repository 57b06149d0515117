"""Serve the bundled demo feeds and pages on 127.0.0.1 the way real news sites answer.

`monitor demo` runs the real pipeline against this server, so it behaves like a
production site where the pipeline can tell: proper Content-Type with charset, ETag
and Last-Modified, 304 on conditional GET, 404 for unknown paths. The data files
write their own address as `{base}`; the server substitutes its real base URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import mimetypes
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NamedTuple
from urllib.parse import unquote, urlsplit

import yaml

logger = logging.getLogger(__name__)

# importlib.resources: found inside the installed package, wherever it was installed
_PACKAGE = Path(str(files("monitor.demo")))
DATA_DIR = _PACKAGE / "data"
CONFIG_TEMPLATE = _PACKAGE / "config" / "monitor.yaml"
PLACEHOLDER = "{base}"
DEMO_NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # the moment the demo content describes

_TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}
_FEED_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}


class DemoFeed(NamedTuple):
    """One demo feed as a config needs it: id, outlet display name, URL, language."""

    feed_id: str
    outlet: str
    url: str
    language: str


@dataclass(frozen=True, slots=True)
class ManifestFeed:
    """A feed file in the demo data."""

    id: str
    outlet: str
    path: str
    format: Literal["rss", "atom"]
    language: str
    title: str


@dataclass(frozen=True, slots=True)
class ManifestArticle:
    """What one demo page is, so tests and docs can say what the pipeline should find."""

    id: str
    feed: str
    outlet: str
    path: str
    title: str
    language: str
    published: datetime  # the feed's date (and the page metadata's, when page_date)
    page_date: bool  # the page carries article:published_time or JSON-LD datePublished
    event: str | None  # equal keys = same event; None for distractors
    relevant: bool  # should a North-Korean-defection watchlist hit it
    copy_of: str | None  # path of the article this one is a near-verbatim copy of
    credits: tuple[str, ...]  # outlets or official sources the text credits
    stale: bool  # published long before the demo's "now": old news
    lead: str  # the first paragraph of the body


@dataclass(frozen=True, slots=True)
class Manifest:
    """The demo data described: feeds, articles, events and the chrome strings of the pages."""

    now: datetime
    feeds: tuple[ManifestFeed, ...]
    articles: tuple[ManifestArticle, ...]
    events: dict[str, str]
    chrome_markers: tuple[str, ...]


def load_manifest(data_dir: Path = DATA_DIR) -> Manifest:
    """Read data_dir/manifest.json."""
    raw = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    feeds = tuple(
        ManifestFeed(
            id=f["id"],
            outlet=f["outlet"],
            path=f["path"],
            format=f["format"],
            language=f["language"],
            title=f["title"],
        )
        for f in raw["feeds"]
    )
    articles = tuple(
        ManifestArticle(
            id=a["id"],
            feed=a["feed"],
            outlet=a["outlet"],
            path=a["path"],
            title=a["title"],
            language=a["language"],
            published=_parse_iso(a["published"]),
            page_date=bool(a["page_date"]),
            event=a["event"],
            relevant=bool(a["relevant"]),
            copy_of=a["copy_of"],
            credits=tuple(a["credits"]),
            stale=bool(a["stale"]),
            lead=a["lead"],
        )
        for a in raw["articles"]
    )
    return Manifest(
        now=_parse_iso(raw["now"]),
        feeds=feeds,
        articles=articles,
        events=dict(raw.get("events", {})),
        chrome_markers=tuple(raw.get("chrome_markers", ())),
    )


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class _Httpd(ThreadingHTTPServer):
    """ThreadingHTTPServer that can cut its open keep-alive connections when it stops."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)


@dataclass(frozen=True, slots=True)
class _Resource:
    body: bytes
    content_type: str
    etag: str
    last_modified: datetime


class DemoServer:
    """A threaded HTTP server for the demo data on an ephemeral 127.0.0.1 port.

    Use it as a context manager; `base_url` and `feed_urls()` are valid while it runs.
    """

    def __init__(
        self,
        data_dir: Path = DATA_DIR,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        last_modified: datetime = DEMO_NOW,
    ) -> None:
        self.data_dir = data_dir
        self.manifest = load_manifest(data_dir)
        self._host = host
        self._port = port
        self._last_modified = last_modified.replace(microsecond=0)
        self._resources: dict[str, _Resource] = {}
        self._served: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd: _Httpd | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> DemoServer:
        """Bind the port, load the data with the real base URL, serve in a daemon thread."""
        if self._httpd is not None:
            return self
        httpd = _Httpd((self._host, self._port), _handler_class(self))
        self._httpd = httpd
        self._resources = self._load(self.base_url)
        self._thread = threading.Thread(target=httpd.serve_forever, name="demo-server", daemon=True)
        self._thread.start()
        logger.info("demo server on %s (%d files)", self.base_url, len(self._resources))
        return self

    def close(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- addresses -------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("DemoServer is not running: call start() or use `with`")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of a data path such as /yonhap/RSS/news.xml."""
        return self.base_url + path

    def feed_urls(self) -> list[DemoFeed]:
        """Every demo feed with its live URL."""
        return [DemoFeed(f.id, f.outlet, self.url(f.path), f.language) for f in self.manifest.feeds]

    def served(self, path: str) -> int:
        """How many GET requests for `path` were answered 200 or 304."""
        with self._lock:
            return self._served[path]

    def all_feeds_polled(self) -> bool:
        """True once every feed was fetched at least once (the demo waits for this)."""
        return all(self.served(f.path) > 0 for f in self.manifest.feeds)

    # -- serving ---------------------------------------------------------------------

    def _load(self, base_url: str) -> dict[str, _Resource]:
        feed_types = {f.path: _FEED_TYPES[f.format] for f in self.manifest.feeds}
        resources: dict[str, _Resource] = {}
        for file in sorted(self.data_dir.rglob("*")):
            if not file.is_file() or file.name.startswith("."):
                continue
            path = "/" + file.relative_to(self.data_dir).as_posix()
            content_type = feed_types.get(path) or _TEXT_TYPES.get(file.suffix.lower())
            body = file.read_bytes()
            if content_type is None:
                content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            else:
                body = body.decode("utf-8").replace(PLACEHOLDER, base_url).encode("utf-8")
            resources[path] = _Resource(body, content_type, _etag(body), self._last_modified)
        index = _index_page(self.manifest, base_url).encode("utf-8")
        resources["/"] = _Resource(index, _TEXT_TYPES[".html"], _etag(index), self._last_modified)
        return resources

    def _respond(self, h: BaseHTTPRequestHandler, head_only: bool) -> None:
        path = unquote(urlsplit(h.path).path)
        resource = self._resources.get(path)
        if resource is None:
            _send(h, 404, b"not found\n", {"Content-Type": "text/plain; charset=utf-8"}, head_only)
            return
        headers = {
            "Content-Type": resource.content_type,
            "ETag": resource.etag,
            "Last-Modified": format_datetime(resource.last_modified, usegmt=True),
            "Cache-Control": "public, max-age=60",
        }
        status = 304 if _not_modified(h, resource) else 200
        with self._lock:
            self._served[path] += 1
        _send(h, status, b"" if status == 304 else resource.body, headers, head_only)


def _handler_class(server: DemoServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "news-monitor-demo/1.0"

        def do_GET(self) -> None:
            server._respond(self, head_only=False)

        def do_HEAD(self) -> None:
            server._respond(self, head_only=True)

        def do_POST(self) -> None:
            _send(self, 405, b"method not allowed\n", {"Allow": "GET, HEAD"}, False)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("demo server: " + format, *args)

    return _Handler


def _send(
    h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str], head_only: bool
) -> None:
    h.send_response(status)
    for key, value in headers.items():
        h.send_header(key, value)
    if status != 304:
        h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if body and not head_only:
        h.wfile.write(body)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _not_modified(h: BaseHTTPRequestHandler, resource: _Resource) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since; weak comparison for GET."""
    if_none_match = h.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or resource.etag in tags
    if_modified_since = h.headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return resource.last_modified <= since
    return False


def _index_page(manifest: Manifest, base_url: str) -> str:
    rows = "\n".join(
        f'<li><a href="{base_url}{escape(f.path)}">{escape(f.title)}</a> '
        f"({escape(f.format)}, {escape(f.language)})</li>"
        for f in manifest.feeds
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>news-monitor demo feeds</title></head>\n<body><h1>news-monitor demo feeds</h1>"
        f"\n<ul>\n{rows}\n</ul>\n</body></html>\n"
    )


# -- demo config ------------------------------------------------------------------------


def demo_config(
    feeds: list[DemoFeed],
    *,
    database_url: str,
    output_dir: Path,
    watchlists_dir: Path,
    template: Path = CONFIG_TEMPLATE,
) -> dict[str, Any]:
    """The demo's monitor.yaml as a mapping: the template plus feeds, database and folders."""
    if not template.is_file():
        raise FileNotFoundError(
            f"demo config template {template} is missing: the package was installed without "
            "monitor/demo/config/ (package data `demo/config/*` in pyproject.toml)"
        )
    config: dict[str, Any] = yaml.safe_load(template.read_text(encoding="utf-8")) or {}
    config.setdefault("database", {})["url"] = database_url
    config.setdefault("fetch", {})["allow_private_networks"] = True
    config["feeds"] = [
        {"id": f.feed_id, "url": f.url, "outlet": f.outlet, "language": f.language} for f in feeds
    ]
    channels = config.get("channels") or [{"name": "demo-digest", "type": "file"}]
    for channel in channels:
        if channel.get("type") == "file":
            channel["path"] = str(Path(output_dir).resolve())
            channel.setdefault("mode", "digest")
    config["channels"] = channels
    config["watchlist_paths"] = [str(Path(watchlists_dir).resolve())]
    return config


def write_demo_config(
    dest: Path,
    *,
    base_url: str,
    database_url: str,
    output_dir: Path,
    watchlists_dir: Path,
    data_dir: Path = DATA_DIR,
    template: Path = CONFIG_TEMPLATE,
) -> Path:
    """Write a monitor.yaml that polls the demo server at `base_url`; returns `dest`."""
    manifest = load_manifest(data_dir)
    feeds = [DemoFeed(f.id, f.outlet, base_url + f.path, f.language) for f in manifest.feeds]
    config = demo_config(
        feeds,
        database_url=database_url,
        output_dir=output_dir,
        watchlists_dir=watchlists_dir,
        template=template,
    )
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    dest.write_text(
        f"# Written by `monitor demo` for the demo server at {base_url}; see docs/demo.md.\n"
        + text,
        encoding="utf-8",
    )
    return dest
