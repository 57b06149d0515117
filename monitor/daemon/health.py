"""Health and status over HTTP (`/livez`, `/readyz`, `/healthz`, `/metrics`), and the snapshot
`monitor status` prints.

Liveness and readiness are apart, as orchestrators expect: `/livez` is the process and its
scheduler (ticks run), for restarts and the container HEALTHCHECK, so a database outage never
gets a healthy daemon restarted; `/readyz` adds the database (a fresh connection answers a
query on the migrations table, with a short timeout), for load balancers and alerts.
`/healthz` stays the combined view it always was. `/metrics` is prometheus_client's own WSGI
app (OpenMetrics negotiation, gzip), with HEAD answered as GET without a body.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from sqlalchemy.orm import Session

from monitor.config import AppConfig
from monitor.store import status as status_store
from monitor.store.feeds import FeedState, feed_status, get_feeds
from monitor.store.probe import DatabaseProbe
from monitor.urls import mask_url, mask_urls_in

__all__ = [
    "DatabaseProbe",
    "FeedStatus",
    "HealthServer",
    "HealthState",
    "StatusSnapshot",
    "assess",
    "is_silent",
    "snapshot",
    "waiting_deliveries",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One configured feed at a glance."""

    id: str
    url: str
    status: str  # ok, failing, disabled, silent, new
    last_polled_at: datetime | None
    last_new_article_at: datetime | None
    next_poll_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    lease_owner: str | None


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    """What `monitor status` and the metric gauges show."""

    at: datetime
    feeds: list[FeedStatus]
    deliveries: dict[str, int]
    open_stories: int
    failed_deliveries: list[dict[str, Any]] = field(default_factory=list)
    waiting: list[dict[str, Any]] = field(default_factory=list)  # per channel with pending rows

    @property
    def last_poll(self) -> datetime | None:
        return max((f.last_polled_at for f in self.feeds if f.last_polled_at), default=None)

    def feed_counts(self) -> dict[str, int]:
        counts = Counter(f.status for f in self.feeds)
        return {k: counts.get(k, 0) for k in ("ok", "failing", "disabled", "silent", "new")}

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "last_poll": self.last_poll.isoformat() if self.last_poll else None,
            "feeds_by_status": self.feed_counts(),
            "deliveries_by_status": self.deliveries,
            "open_stories": self.open_stories,
            "feeds": [
                {
                    "id": f.id,
                    "url": f.url,
                    "status": f.status,
                    "last_polled_at": f.last_polled_at.isoformat() if f.last_polled_at else None,
                    "last_new_article_at": (
                        f.last_new_article_at.isoformat() if f.last_new_article_at else None
                    ),
                    "next_poll_at": f.next_poll_at.isoformat() if f.next_poll_at else None,
                    "consecutive_failures": f.consecutive_failures,
                    "last_error": f.last_error,
                    "lease_owner": f.lease_owner,
                }
                for f in self.feeds
            ],
            "failed_deliveries": self.failed_deliveries,
            "waiting_deliveries": self.waiting,
        }


def is_silent(row: FeedState, cadence: timedelta | None, now: datetime) -> bool:
    """Nothing new for longer than the feed's expected cadence (only for feeds that answer)."""
    if cadence is None or row.last_polled_at is None:
        return False
    since = row.last_new_article_at or row.created_at
    return since is not None and now - since > cadence


def snapshot(session: Session, cfg: AppConfig, now: datetime) -> StatusSnapshot:
    """Read the feeds, the outbox and the open stories (one short read)."""
    rows = {r.id: r for r in get_feeds(session, [f.id for f in cfg.feeds])}
    feeds: list[FeedStatus] = []
    for fc in cfg.feeds:
        row = rows.get(fc.id)
        if row is None:
            feeds.append(
                FeedStatus(fc.id, mask_url(fc.url), "new", None, None, None, 0, None, None)
            )
            continue
        status = feed_status(row)
        if not fc.enabled:
            status = "disabled"
        elif status == "ok" and is_silent(row, fc.expected_cadence, now):
            status = "silent"
        feeds.append(
            FeedStatus(
                fc.id,
                mask_url(row.url),
                status,
                row.last_polled_at,
                row.last_new_article_at,
                row.next_poll_at,
                row.consecutive_failures or 0,
                mask_urls_in(row.disabled_reason or row.last_error or "") or None,
                row.lease_owner,
            )
        )
    deliveries = status_store.deliveries_by_status(session)
    failed = [
        {
            "id": d.id,
            "channel": d.channel,
            "kind": d.kind,
            "error": mask_urls_in(d.last_error) if d.last_error else None,
        }
        for d in status_store.failed_deliveries(session, limit=10)
    ]
    waiting = waiting_deliveries(session, cfg)
    open_stories = status_store.open_story_count(session, now - cfg.monitor.stories.window)
    return StatusSnapshot(now, feeds, deliveries, open_stories, failed, waiting)


def waiting_deliveries(session: Session, cfg: AppConfig) -> list[dict[str, Any]]:
    """Channels with pending deliveries: how many, since when, and why they wait.

    A channel missing from the config keeps its rows pending (never failed): `monitor
    status` names it, so the operator sees what a bad edit stranded.
    """
    configured = {c.name for c in cfg.monitor.channels}
    out: list[dict[str, Any]] = []
    for queue in status_store.pending_queues(session):
        reason = queue.head_error
        if queue.channel not in configured:
            reason = "channel is not in the config (add it back to send these)"
        out.append(
            {
                "channel": queue.channel,
                "pending": queue.pending,
                "oldest": queue.head_created_at.isoformat() if queue.head_created_at else None,
                "reason": reason,
            }
        )
    return out


@dataclass
class HealthState:
    """What the daemon reports about itself; the health server reads it from another thread."""

    max_tick_age: float
    scheduler_running: bool = False
    last_poll_tick: float | None = None  # time.monotonic()
    started: float = field(default_factory=time.monotonic)

    def tick(self) -> None:
        self.last_poll_tick = time.monotonic()


def liveness(state: HealthState) -> list[str]:
    """Why the process is not alive (empty: it is): the scheduler stopped, or its ticks did.

    Before the first tick the process counts as alive for one tick age (it is starting)."""
    problems: list[str] = []
    if not state.scheduler_running:
        problems.append("the scheduler is not running")
    now = time.monotonic()
    if state.last_poll_tick is None:
        if now - state.started > state.max_tick_age:
            problems.append("no poll tick has run yet")
    elif now - state.last_poll_tick > state.max_tick_age:
        age = now - state.last_poll_tick
        problems.append(f"the last poll tick was {age:.0f}s ago (limit {state.max_tick_age:.0f}s)")
    return problems


def assess(state: HealthState, probe: DatabaseProbe | None) -> tuple[bool, dict[str, Any]]:
    """The scheduler, the last tick and (unless `probe` is None) the database."""
    problems = liveness(state)
    age = None if state.last_poll_tick is None else time.monotonic() - state.last_poll_tick
    if probe is not None:
        if age is None and "no poll tick has run yet" not in problems:
            problems.append("no poll tick has run yet")
        db_problem = probe.check()
        if db_problem:
            problems.append(db_problem)
    body = {
        "status": "ok" if not problems else "unhealthy",
        "problems": problems,
        "last_poll_tick_age_seconds": None if age is None else round(age, 3),
    }
    return not problems, body


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def health_app(state: HealthState, probe: DatabaseProbe, registry: CollectorRegistry) -> WsgiApp:
    """The WSGI app: the three health views and the registry's metrics."""
    metrics_app = make_wsgi_app(registry)
    views: dict[str, DatabaseProbe | None] = {"/livez": None, "/readyz": probe, "/healthz": probe}

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", "/"), environ["REQUEST_METHOD"]
        head = method == "HEAD"
        if method not in {"GET", "HEAD"}:
            return _reply(start_response, "405 Method Not Allowed", b"GET or HEAD\n", head)
        if path == "/metrics":
            answer: list[Any] = []
            body = b"".join(
                metrics_app(
                    {**environ, "REQUEST_METHOD": "GET"},
                    lambda status, headers, *_: answer.extend((status, headers)),
                )
            )
            status, headers = answer
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            # HEAD: the headers a GET would get, its length included, without the body
            start_response(status, [*headers, ("Content-Length", str(len(body)))])
            return [] if head else [body]
        if path in views:
            ok, report = assess(state, views[path])
            status = "200 OK" if ok else "503 Service Unavailable"
            return _reply(
                start_response, status, json.dumps(report).encode(), head, "application/json"
            )
        return _reply(start_response, "404 Not Found", b"not found\n", head)

    return app


def _reply(
    start_response: StartResponse,
    status: str,
    body: bytes,
    head: bool,
    ctype: str = "text/plain; charset=utf-8",
) -> list[bytes]:
    start_response(
        status,
        [
            ("Content-Type", ctype),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [] if head else [body]


class HealthServer:
    """`/livez`, `/readyz`, `/healthz` and `/metrics` on a small threaded WSGI server beside
    the event loop."""

    def __init__(
        self,
        host: str,
        port: int,
        state: HealthState,
        probe: DatabaseProbe,
        registry: CollectorRegistry,
    ) -> None:
        self.state, self.probe = state, probe
        self._httpd = make_server(
            host,
            port,
            health_app(state, probe, registry),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self.host, self.port = host, int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="health", daemon=True
        )

    def start(self) -> HealthServer:
        self._thread.start()
        log.info(
            "health endpoint on http://%s:%s/healthz (/livez, /readyz) and /metrics",
            self.host,
            self.port,
        )
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
