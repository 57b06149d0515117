"""Benchmark: one polling pass over many feeds served on loopback, pages extracted for real.

    .venv/bin/python bench/poll.py [--feeds 100] [--per-feed 5] [--executor process|thread]

Serves N feeds, each listing M article pages (the dev corpus's real pages, cycled, each at its
own URL) from a loopback server, then runs `Poller.run()` once on a temporary SQLite database
with the default watchlist, as `monitor poll` does. Reports articles per second, so the process
pool (extraction on both cores, the event loop free) can be compared with threads
(`--executor thread`: extraction under the GIL, sharing the core with the event loop). The
loopback server runs in this process too, so the figures are a floor. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import AppConfig, MonitorConfig, load_config  # noqa: E402
from monitor.pipeline.ingest import make_processor  # noqa: E402
from monitor.pipeline.poll import Poller, extraction_pool  # noqa: E402
from monitor.store import db  # noqa: E402
from tests.feedgen import Item, rss  # noqa: E402
from tests.loopback import LoopbackServer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "dev.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--per-feed", type=int, default=5)
    ap.add_argument("--executor", choices=["process", "thread"], default="process")
    args = ap.parse_args()
    pages = [json.loads(line)["html"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    base = load_config(ROOT / "config" / "monitor.yaml", env={})
    with LoopbackServer() as server, tempfile.TemporaryDirectory() as tmp:
        server._httpd.request_queue_size = 256
        feeds = []
        n = 0
        now = datetime.now(UTC)
        for f in range(args.feeds):
            items = []
            for _ in range(args.per_feed):
                path = f"/p/{n}.html"
                server.static(path, pages[n % len(pages)], "text/html; charset=utf-8")
                items.append(Item(f"article {n}", server.url(path), now))
                n += 1
            feeds.append({"id": f"feed-{f}", "url": server.static(f"/f/{f}.xml", rss(items))})
        monitor = MonitorConfig.model_validate(
            {
                "feeds": feeds,
                "fetch": {"allow_private_networks": True, "max_connections": 32, "per_host": 32},
            }
        )
        url = f"sqlite:///{tmp}/bench.db"
        cfg = AppConfig(monitor=monitor, watchlists=base.watchlists, path="bench", database_url=url)
        db.upgrade(url)
        sessions = db.session_factory(db.make_engine(url))
        executor = (
            extraction_pool(0) if args.executor == "process" else ThreadPoolExecutor(max_workers=4)
        )
        with executor:
            list(executor.map(abs, range(os.cpu_count() or 2)))  # workers up before the clock
            t0 = time.perf_counter()
            poller = Poller(cfg, sessions, processor=make_processor(cfg), executor=executor)
            report = asyncio.run(poller.run())
            wall = time.perf_counter() - t0
    print(
        f"{args.executor}: {report.count('ok')}/{len(feeds)} feeds ok, {report.new_articles} "
        f"articles in {wall:.1f}s = {report.new_articles / wall:.0f} articles/s"
    )


if __name__ == "__main__":
    main()
