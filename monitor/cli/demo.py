"""`monitor demo`: the whole pipeline once, on bundled feeds served on loopback. No internet."""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.app import app, err_console, fail, handle_errors, out_console
from monitor.cli.stories import story_table
from monitor.config import config_path, load_config
from monitor.delivery import deliver, outbox
from monitor.demo import DEMO_NOW, DemoServer, write_demo_config
from monitor.pipeline.ingest import make_processor
from monitor.pipeline.poll import FeedReport, Poller
from monitor.resources import default_watchlists
from monitor.store import db
from monitor.store import stories as story_store
from monitor.store.db import transaction


def _watchlists_dir(explicit: Path | None) -> Path:
    """The watchlists the demo matches with: given, beside the active config, or the ones
    shipped inside the package (so an installed wheel runs the demo from any folder)."""
    if explicit is not None:
        if explicit.is_dir() and any(explicit.glob("*.y*ml")):
            return explicit.resolve()
        fail(f"--watchlists {explicit}: not a folder of *.yaml watchlist files", 2)
    candidates = [config_path().parent / "watchlists", default_watchlists()]
    for c in candidates:
        if c.is_dir() and any(c.glob("*.y*ml")):
            return c.resolve()
    fail("no watchlists folder found; pass --watchlists DIR (e.g. config/watchlists)", 2)


@app.command()
@handle_errors
def demo(
    out: Annotated[Path, typer.Option("--out", help="Where the digest is written.")] = Path(
        "demo-out"
    ),
    watchlists: Annotated[
        Path | None,
        typer.Option("--watchlists", help="Watchlist folder (default: config/watchlists)."),
    ] = None,
) -> None:
    """Serve the bundled sample feeds on loopback, run the real pipeline once on a temporary
    SQLite database, write the digest (HTML and text) to demo-out/ and print the stories."""
    started = time.monotonic()
    wl_dir = _watchlists_dir(watchlists)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp, DemoServer() as server:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        cfg_file = write_demo_config(
            Path(tmp) / "monitor.yaml",
            base_url=server.base_url,
            database_url=url,
            output_dir=out,
            watchlists_dir=wl_dir,
        )
        cfg = load_config(cfg_file, env={})
        db.upgrade(url)
        sessions = db.session_factory(db.make_engine(url))
        t0 = time.monotonic()

        def clock() -> datetime:
            # the demo's articles describe DEMO_NOW; time runs on from there
            return DEMO_NOW + timedelta(seconds=time.monotonic() - t0)

        err_console.print(
            f"demo: serving {len(cfg.feeds)} feeds at {server.base_url}; watchlists from {wl_dir}"
        )

        def done(r: FeedReport) -> None:
            err_console.print(f"  polled {r.feed_id}: {r.outcome}, {r.new_articles} new articles")

        poller = Poller(
            cfg, sessions, processor=make_processor(cfg), clock=clock, on_feed_done=done
        )
        report = asyncio.run(poller.run())
        if not server.all_feeds_polled() or report.count("failed"):
            fail(
                "the demo feeds could not all be polled: "
                + "; ".join(f"{f.feed_id}: {f.error}" for f in report.feeds if f.error)
            )
        now = clock().replace(second=0, microsecond=0) + timedelta(minutes=1)  # the digest slot
        channel = cfg.monitor.channels[0].name
        with transaction(sessions) as s:
            outbox.enqueue_digest(s, cfg, channel, now, now - timedelta(days=7), now)
        sent = asyncio.run(deliver.drain(cfg, sessions, now=now, owner="demo"))
        with transaction(sessions) as s:
            stories = story_store.stories_json(s)
    out_console.print(
        story_table(stories, f"Stories found in the demo feeds ({len(stories)})", out_console)
    )
    files = sorted(p.name for p in out.iterdir() if p.suffix in (".html", ".txt"))
    out_console.print(
        f"{report.new_articles} articles from {len(report.feeds)} feeds; {len(stories)} stories; "
        f"digest {'written' if sent.sent else 'NOT written'} to {out}/ ({', '.join(files[-2:])}); "
        f"{time.monotonic() - started:.1f}s"
    )
    if not sent.sent:
        raise typer.Exit(1)
