"""`monitor status`: feeds, last poll, the outbox and open stories at a glance."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import RenderableType

from monitor.cli.app import (
    ConfigOpt,
    JsonOpt,
    app,
    handle_errors,
    out_console,
    print_json,
    styled,
)
from monitor.cli.runtime import open_runtime
from monitor.cli.tables import Col, WideOpt, listing
from monitor.daemon.health import StatusSnapshot, snapshot
from monitor.store.db import transaction

STYLE = {"ok": "green", "failing": "red", "disabled": "yellow", "silent": "magenta", "new": "cyan"}


@app.command("status")
@handle_errors
def status(config: ConfigOpt = None, json_out: JsonOpt = False, wide: WideOpt = False) -> None:
    """Feeds (ok / failing / disabled / silent, with last error), last poll, deliveries, stories."""
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        snap = snapshot(s, rt.cfg, datetime.now(UTC))
    if json_out:
        print_json(snap.to_json())
    else:
        _print(snap, wide=wide)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _print(snap: StatusSnapshot, *, wide: bool = False) -> None:
    cols = [
        Col("feed", "id"),
        Col("status", "status"),
        Col("last poll", "date"),
        Col("last new article", "date", optional=True),
        Col("failures", "number", optional=True),
        Col("last error", "text"),
    ]
    order = {"failing": 0, "silent": 1, "disabled": 2, "new": 3, "ok": 4}
    rows: list[list[RenderableType]] = [
        [
            f.id,
            styled(f.status, STYLE.get(f.status, "")),
            _when(f.last_polled_at),
            _when(f.last_new_article_at),
            str(f.consecutive_failures or ""),
            f.last_error or "",
        ]
        for f in sorted(snap.feeds, key=lambda f: (order.get(f.status, 9), f.id))
    ]
    table = listing("Feeds", cols, rows, out_console, wide=wide)
    out_console.print(table)
    counts = ", ".join(f"{n} {k}" for k, n in snap.feed_counts().items() if n)
    out_console.print(f"feeds: {counts or 'none configured'}")
    out_console.print(f"last poll: {_when(snap.last_poll)} UTC")
    d = snap.deliveries
    out_console.print(
        f"deliveries: {d.get('pending', 0)} pending, {d.get('failed', 0)} failed, "
        f"{d.get('sent', 0)} sent, {d.get('held', 0)} held"
        + (f", {d['unsure']} unsure (maybe sent before a crash)" if d.get("unsure") else "")
    )
    for w in snap.waiting:
        why = f": {w['reason']}" if w["reason"] else ""
        out_console.print(
            f"  waiting {w['pending']} on {w['channel']} since {w['oldest']}{why}",
            highlight=False,
            markup=False,
        )
    for fd in snap.failed_deliveries:
        out_console.print(f"  failed #{fd['id']} {fd['channel']} ({fd['kind']}): {fd['error']}")
    out_console.print(f"open stories: {snap.open_stories}")
