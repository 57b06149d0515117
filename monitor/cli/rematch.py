"""`monitor rematch --since 7d`: match stored articles again after a watchlist change."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from monitor.cli.app import (
    ConfigOpt,
    JsonOpt,
    app,
    flag,
    handle_errors,
    out_console,
    print_json,
    styled,
)
from monitor.cli.listing import since_to_datetime
from monitor.cli.runtime import open_runtime
from monitor.pipeline.rematch import RematchReport, rematch


@app.command("rematch")
@handle_errors
def rematch_cmd(
    since: Annotated[
        str,
        typer.Option("--since", help="Articles discovered or published in the last 7d, 12h ..."),
    ] = "7d",
    dry_run: Annotated[
        bool, flag("--dry-run", help="Show the hits gained and lost; change nothing.")
    ] = False,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Re-run matching over recent articles: new hits get stories and alerts, lost hits go."""
    rt = open_runtime(config)
    start = since_to_datetime(since)
    assert start is not None
    report = rematch(rt.cfg, rt.sessions, start, dry_run=dry_run)
    if json_out:
        print_json(report.to_json())
    else:
        _print(report)


def _print(report: RematchReport) -> None:
    verb = "would be" if report.dry_run else "were"
    table = Table(title=f"Hits that {verb} gained or lost since {report.since:%Y-%m-%d %H:%M} UTC")
    for col in ("change", "watchlist", "score", "article"):
        table.add_column(col, overflow="fold")
    for c in report.gained:
        table.add_row(
            styled("+ gained", "green"), c.watchlist, f"{c.score:.1f}", f"#{c.article_id} {c.title}"
        )
    for c in report.lost:
        table.add_row(
            styled("- lost", "red"), c.watchlist, f"{c.score:.1f}", f"#{c.article_id} {c.title}"
        )
    if report.gained or report.lost:
        out_console.print(table)
    out_console.print(
        f"{report.articles} articles matched again ({report.skipped} without a body skipped): "
        f"{len(report.gained)} hits gained, {len(report.lost)} lost"
        + ("" if report.dry_run else f", {len(report.alerts)} alerts raised")
        + (" (dry run: nothing was changed)" if report.dry_run else "")
    )
