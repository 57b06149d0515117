"""`monitor articles`: what is stored, as tables or JSON (`monitor feeds` is in feeds.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from monitor.cli.app import (
    EXIT_USAGE,
    ConfigOpt,
    JsonOpt,
    app,
    fail,
    flag,
    handle_errors,
    out_console,
    print_json,
)
from monitor.cli.runtime import open_runtime
from monitor.cli.tables import Col, WideOpt, listing
from monitor.config.types import parse_duration
from monitor.store.articles import articles_json
from monitor.store.db import transaction

SinceOpt = Annotated[
    str | None, typer.Option("--since", help="Only the last 1d, 12h, 30m ... (by discovery time).")
]


def since_to_datetime(since: str | None) -> datetime | None:
    if since is None:
        return None
    try:
        delta: timedelta = parse_duration(since)
    except ValueError as exc:
        fail(str(exc), 2)
    return datetime.now(UTC) - delta


def fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@app.command()
@handle_errors
def articles(
    since: SinceOpt = None,
    feed: Annotated[str | None, typer.Option("--feed", "-f", help="Only this feed.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).")] = 0,
    hits: Annotated[bool, flag("--hits", help="Only articles a watchlist hit.")] = False,
    misses: Annotated[bool, flag("--misses", help="Only articles no watchlist hit.")] = False,
    wide: WideOpt = False,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Stored articles, newest first, with what matched: watchlist, score and story
    (`--json` includes the body text)."""
    if hits and misses:
        fail("--hits and --misses exclude each other; give one", EXIT_USAGE)
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        data = articles_json(
            s,
            since=since_to_datetime(since),
            feed_id=feed,
            limit=limit or None,
            hit=True if hits else (False if misses else None),
        )
    if json_out:
        print_json(data)
        return
    cols = [
        Col("id", "id"),
        Col("seen", "date"),
        Col("feed", "id", optional=True),
        Col("title", "title"),
        Col("hit", "id"),
        Col("score", "number"),
        Col("story", "id"),
        Col("published", "date", optional=True),
        Col("extraction", "status", optional=True),
    ]
    table_rows = []
    for a in data:
        found = a["hits"]
        table_rows.append(
            [
                str(a["id"]),
                fmt_time(a["discovered_at"]),
                a["feed"],
                a["title"] or "",
                ", ".join(h["watchlist"] for h in found) or "-",
                ", ".join(f"{h['score']:g}" for h in found) or "-",
                ", ".join(_story_ref(h) for h in found) or "-",
                fmt_time(a["published_at"]),
                a["extraction"] or "-",
            ]
        )
    out_console.print(listing(f"Articles ({len(data)})", cols, table_rows, out_console, wide=wide))


def _story_ref(hit: dict[str, Any]) -> str:
    if hit["story"] is None:
        return "-"
    return f"#{hit['story']} (copy)" if hit["copy_of"] else f"#{hit['story']}"
