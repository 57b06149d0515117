"""`monitor articles`: what is stored, as tables or JSON (`monitor feeds` is in feeds.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from monitor.cli.app import (
    ConfigOpt,
    JsonOpt,
    app,
    fail,
    handle_errors,
    out_console,
    print_json,
)
from monitor.cli.runtime import open_runtime
from monitor.config.types import parse_duration
from monitor.store import queries
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
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Stored articles, newest first (`--json` includes the body text)."""
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        rows = queries.list_articles(
            s, since=since_to_datetime(since), feed_id=feed, limit=limit or None
        )
        data: list[dict[str, Any]] = [
            {
                "id": r.id,
                "url": r.url,
                "canonical_url": r.canonical_url,
                "feed": r.feed_id,
                "outlet": r.outlet,
                "title": r.title,
                "published_at": r.published_at,
                "date_source": r.date_source,
                "discovered_at": r.discovered_at,
                "extraction": r.extraction,
                "extraction_error": r.extraction_error,
                "language": r.language,
                "author": r.author,
                "body_length": r.body_length,
                "body": r.body,
            }
            for r in rows
        ]
    if json_out:
        print_json(data)
        return
    table = Table(title=f"Articles ({len(data)})")
    for col in ("id", "feed", "outlet", "title", "published", "from", "extraction", "chars"):
        table.add_column(col, overflow="fold")
    for a in data:
        table.add_row(
            str(a["id"]),
            a["feed"],
            a["outlet"],
            a["title"][:90],
            fmt_time(a["published_at"]),
            a["date_source"],
            a["extraction"],
            str(a["body_length"]),
        )
    out_console.print(table)
