"""The 100,000-item feed trial: the daemon stays healthy, small feeds stay on time.

    python -m bench.faults.big_feed [--items 100000] [--seconds 90] [--postgres URL]

One loopback feed carries `--items` entries (about 28 MB of RSS); three small feeds publish
now and then. For `--seconds` the trial samples `/healthz` every second, records when
each small feed is fetched, and reads the daemon's peak RSS (VmHWM) and its extraction
workers' (where the big feed is parsed). It prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from monitor.store import db
from monitor.store.db import transaction
from monitor.store.models import ArticleRow, Feed
from tests.conftest import postgres_schema
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Request, Response
from tests.smtp import free_port
from tests.test_daemon_support import DaemonProcess, write_config

SMALL_INTERVAL = 2.0  # seconds


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        direct = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for child in map(int, direct):
        out += [child, *children(child)]
    return out


def run(url: str, folder: Path, items: int, seconds: float) -> dict[str, Any]:
    t0 = datetime.now(UTC) - timedelta(days=1)
    # the big feed's pages live on another host (127.0.0.2), as they would: the per-host
    # limit must not make the small feeds on 127.0.0.1 wait behind a thousand page fetches
    with LoopbackServer() as server, LoopbackServer(host="127.0.0.2") as pages:
        server._httpd.socket.listen(256)
        big = rss(
            [
                Item(
                    f"Archive item {i}",
                    pages.url(f"/a/{i}"),  # a 404: the feed's own text stands in
                    t0 + timedelta(seconds=i),
                    guid=f"big-{i}",
                    summary=f"Entry {i} of the archive.",
                )
                for i in range(items)
            ]
        )
        server.route(
            "/big.xml", Response(body=big, headers={"Content-Type": "application/rss+xml"})
        )
        fetched: dict[str, list[float]] = {f"small{i}": [] for i in range(3)}
        lock = threading.Lock()

        def small(feed_id: str) -> Any:
            def handler(_req: Request) -> Response:
                with lock:
                    fetched[feed_id].append(time.monotonic())
                item = Item(f"{feed_id} news", server.url(f"/s/{feed_id}"), datetime.now(UTC))
                return Response(body=rss([item]), headers={"Content-Type": "application/rss+xml"})

            return handler

        feeds = [{"id": "big", "url": server.url("/big.xml"), "interval": "30s"}]
        for feed_id in fetched:
            server.route(f"/{feed_id}.xml", small(feed_id))
            feeds.append({"id": feed_id, "url": server.url(f"/{feed_id}.xml"), "interval": "2s"})
        db.upgrade(url)
        config = write_config(
            folder,
            database_url=url,
            feeds=feeds,
            fetch={"max_bytes": "100MB", "total_timeout": "60s", "read_timeout": "30s"},
            daemon={"poll_tick": "1s", "healthy_tick_age": "10s"},
        )
        port = free_port()
        proc = DaemonProcess(config, folder / "daemon.log", health_port=port)
        health: list[int] = []
        worker_peak = 0.0
        try:
            deadline = time.monotonic() + 60
            while proc.get("/healthz")[0] != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
            start = time.monotonic()
            while time.monotonic() - start < seconds:
                health.append(proc.get("/healthz")[0])
                for child in children(proc.pid):
                    worker_peak = max(worker_peak, peak_rss_mb(child))
                time.sleep(1.0)
            daemon_peak = peak_rss_mb(proc.pid)
        finally:
            proc.stop(timeout=60)
        sessions = db.session_factory(db.make_engine(url))
        with transaction(sessions) as s:
            stored = s.scalar(select(func.count()).where(ArticleRow.feed_id == "big")) or 0
            row = s.get(Feed, "big")
            big_state = {
                "outcome": row.last_outcome if row else None,
                "error": row.last_error if row else None,
                "backlog": row.backlog if row else None,
            }
        log_tail = [
            line[:300]
            for line in (folder / "daemon.log").read_text(errors="replace").splitlines()
            if " big" in line or "ERROR" in line
        ][-8:]
    with lock:
        gaps = [
            b - a for times in fetched.values() for a, b in itertools.pairwise(times) if a >= start
        ]
    return {
        "items": items,
        "feed_bytes": len(big),
        "seconds": seconds,
        "healthz_samples": len(health),
        "healthz_200": sum(1 for h in health if h == 200),
        "daemon_peak_rss_mb": round(daemon_peak, 1),
        "worker_peak_rss_mb": round(worker_peak, 1),
        "big_feed_articles_stored": int(stored),
        "big_feed": big_state,
        "log": log_tail,
        "small_feed_polls": sum(len(v) for v in fetched.values()),
        "small_feed_max_gap_s": round(max(gaps, default=0.0), 1),
        "small_feed_interval_s": SMALL_INTERVAL,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bigfeed-") as tmp:
        if args.postgres:
            with postgres_schema(args.postgres) as url:
                result = run(url, Path(tmp), args.items, args.seconds)
        else:
            result = run(f"sqlite:///{tmp}/monitor.db", Path(tmp), args.items, args.seconds)
    print(json.dumps(result, indent=2))
    ok = result["healthz_200"] == result["healthz_samples"] and result["daemon_peak_rss_mb"] < 250
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
