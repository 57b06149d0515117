"""The 100,000-item feed trial: the daemon stays healthy, small feeds stay on time.

    python -m bench.faults.big_feed [--items 100000] [--seconds 90] [--cap 1000]
        [--interval 30] [--postgres URL]

One loopback feed carries `--items` entries (about 24 MB of RSS for 100,000), polled every
`--interval` seconds and taken `--cap` entries a pass (plus the newest `--cap`); three
small feeds publish now and then. For `--seconds` the trial samples `/healthz` every
second, records when each small feed is fetched, counts the big feed's passes and the
articles stored after each, and reads the peak RSS (VmHWM) of every process of the
service: the daemon, the forkserver, each extraction worker (where the big feed is parsed)
and the resource tracker. It prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
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


def _proc_mb(pid: int, file: str, key: str) -> float:
    """A `key: N kB` line of /proc/<pid>/<file>, in MB; 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb(pid: int) -> float:
    return _proc_mb(pid, "status", "VmHWM:")


def pss_mb(pid: int) -> float:
    """Proportional set size now: shared pages split among the processes sharing them, so
    the service's processes add up to what they hold together (RSS would count a forked
    worker's pages twice)."""
    return _proc_mb(pid, "smaps_rollup", "Pss:")


def process_name(pid: int) -> str:
    """What a process of the service is: the forkserver and the resource tracker by their
    command line; the forkserver's children (same command line, forked) are the workers."""

    def cmdline(p: int | str) -> str:
        try:
            return Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return ""

    try:
        parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
    except (OSError, IndexError):
        parent = ""
    if "forkserver" in cmdline(parent):
        return "worker"
    cmd = cmdline(pid)
    if "forkserver" in cmd:
        return "forkserver"
    return "resource tracker" if "resource_tracker" in cmd else "child"


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        direct = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for child in map(int, direct):
        out += [child, *children(child)]
    return out


def passes_needed(items: int, cap: int) -> int:
    """Passes until a static feed is taken whole: each takes the next `cap` of the backlog."""
    return max(1, math.ceil(items / cap))


def run(
    url: str, folder: Path, items: int, seconds: float, *, cap: int = 1000, interval: float = 30.0
) -> dict[str, Any]:
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
        fetched: dict[str, list[float]] = {f"small{i}": [] for i in range(3)}
        big_fetches: list[float] = []
        lock = threading.Lock()

        def big_feed(_req: Request) -> Response:
            with lock:
                big_fetches.append(time.monotonic())
            return Response(body=big, headers={"Content-Type": "application/rss+xml"})

        server.route("/big.xml", big_feed)

        def small(feed_id: str) -> Any:
            def handler(_req: Request) -> Response:
                with lock:
                    fetched[feed_id].append(time.monotonic())
                item = Item(f"{feed_id} news", server.url(f"/s/{feed_id}"), datetime.now(UTC))
                return Response(body=rss([item]), headers={"Content-Type": "application/rss+xml"})

            return handler

        feeds = [{"id": "big", "url": server.url("/big.xml"), "interval": f"{interval:g}s"}]
        for feed_id in fetched:
            server.route(f"/{feed_id}.xml", small(feed_id))
            feeds.append({"id": feed_id, "url": server.url(f"/{feed_id}.xml"), "interval": "2s"})
        db.upgrade(url)
        config = write_config(
            folder,
            database_url=url,
            feeds=feeds,
            fetch={
                "max_bytes": "100MB",
                "total_timeout": "60s",
                "read_timeout": "30s",
                "max_entries_per_pass": cap,
            },
            daemon={"poll_tick": "1s", "healthy_tick_age": "10s"},
        )
        port = free_port()
        proc = DaemonProcess(config, folder / "daemon.log", health_port=port)
        health: list[int] = []
        peaks: dict[int, tuple[str, float]] = {}
        together = 0.0  # the most the service's processes held at once (sampled PSS)
        sessions = db.session_factory(db.make_engine(url))
        progress: list[tuple[int, int]] = []  # (big feed fetches so far, articles stored)

        def big_stored() -> int:
            with transaction(sessions) as s:
                return s.scalar(select(func.count()).where(ArticleRow.feed_id == "big")) or 0

        try:
            deadline = time.monotonic() + 60
            while proc.get("/healthz")[0] != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
            start = time.monotonic()
            while time.monotonic() - start < seconds:
                health.append(proc.get("/healthz")[0])
                service = [proc.pid, *children(proc.pid)]
                together = max(together, sum(pss_mb(pid) for pid in service))
                for pid in service:
                    peak = peak_rss_mb(pid)
                    if peak:  # VmHWM only grows: the last reading is the peak so far
                        peaks[pid] = ("daemon" if pid == proc.pid else process_name(pid), peak)
                with lock:
                    polls = len(big_fetches)
                if not progress or progress[-1][0] != polls:
                    progress.append((polls, big_stored()))
                elif len(health) % 5 == 0:
                    progress[-1] = (polls, big_stored())
                time.sleep(1.0)
        finally:
            proc.stop(timeout=60)
        stored = big_stored()
        with lock:
            polls = len(big_fetches)
        with transaction(sessions) as s:
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
    daemon_peak = max((mb for name, mb in peaks.values() if name == "daemon"), default=0.0)
    others = [(name, mb) for name, mb in peaks.values() if name != "daemon"]
    return {
        "items": items,
        "feed_bytes": len(big),
        "seconds": seconds,
        "cap": cap,
        "interval_s": interval,
        "healthz_samples": len(health),
        "healthz_200": sum(1 for h in health if h == 200),
        "daemon_peak_rss_mb": round(daemon_peak, 1),
        "worker_peak_rss_mb": round(max((mb for _, mb in others), default=0.0), 1),
        "process_peaks_mb": sorted(
            ([name, round(mb, 1)] for name, mb in peaks.values()), key=lambda p: -p[1]
        ),
        # every process at its own peak at once: more than the service ever holds together
        "service_sum_of_peaks_mb": round(sum(mb for _, mb in peaks.values()), 1),
        "service_peak_pss_mb": round(together, 1),  # sampled each second
        "big_feed_articles_stored": int(stored),
        "big_feed_polls": polls,
        "big_feed_stored_by_poll": [[n, int(k)] for n, k in progress if n],
        "big_feed_passes_needed": passes_needed(items, cap),
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
    parser.add_argument("--cap", type=int, default=1000, help="fetch.max_entries_per_pass")
    parser.add_argument("--interval", type=float, default=30.0, help="the big feed's, seconds")
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args(argv)
    knobs = {"cap": args.cap, "interval": args.interval}
    with tempfile.TemporaryDirectory(prefix="bigfeed-") as tmp:
        if args.postgres:
            with postgres_schema(args.postgres) as url:
                result = run(url, Path(tmp), args.items, args.seconds, **knobs)
        else:
            db_url = f"sqlite:///{tmp}/monitor.db"
            result = run(db_url, Path(tmp), args.items, args.seconds, **knobs)
    print(json.dumps(result, indent=2))
    ok = (
        result["healthz_200"] == result["healthz_samples"]
        and max(mb for _, mb in result["process_peaks_mb"]) < 250
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
