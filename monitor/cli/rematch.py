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
from monitor.eval.compare import correction_outcome
from monitor.pipeline.rematch import RematchReport, rematch
from monitor.store import feedback as fb
from monitor.store.db import transaction


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
    ids = [c.article_id for c in (*report.gained, *report.lost)]
    with transaction(rt.sessions) as s:
        verdicts = fb.relevance_in_force(s, ids)
    rt.engine.dispose()
    notes = corrections(report, verdicts)
    if json_out:
        print_json({**report.to_json(), "corrections": notes})
    else:
        _print(report, notes)


def corrections(
    report: RematchReport, verdicts: dict[tuple[int, str | None], fb.Feedback]
) -> list[dict[str, object]]:
    """The hits gained or lost on articles an analyst corrected: what each does to it."""
    out: list[dict[str, object]] = []
    for gained, changes in ((True, report.gained), (False, report.lost)):
        for c in changes:
            f = verdicts.get((c.article_id, c.watchlist)) or verdicts.get((c.article_id, None))
            outcome = correction_outcome(gained, f.label) if f else None
            if f and outcome:
                out.append(
                    {
                        "article": c.article_id,
                        "watchlist": c.watchlist,
                        "change": "gained" if gained else "lost",
                        "correction": f.label,
                        "by": f.who,
                        "outcome": outcome,
                    }
                )
    return out


def _print(report: RematchReport, notes: list[dict[str, object]]) -> None:
    verb = "would be" if report.dry_run else "were"
    table = Table(title=f"Hits that {verb} gained or lost since {report.since:%Y-%m-%d %H:%M} UTC")
    for col in ("change", "watchlist", "score", "article", "analysts"):
        table.add_column(col, overflow="fold")
    said = {(n["article"], n["watchlist"], n["change"]): n for n in notes}

    def analysts(article_id: int, watchlist: str, change: str) -> str:
        n = said.get((article_id, watchlist, change))
        return "" if n is None else f"{n['outcome']}: {n['correction']} ({n['by']})"

    for c in report.gained:
        table.add_row(
            styled("+ gained", "green"), c.watchlist, f"{c.score:.1f}",
            f"#{c.article_id} {c.title}", analysts(c.article_id, c.watchlist, "gained"),
        )  # fmt: skip
    for c in report.lost:
        table.add_row(
            styled("- lost", "red"), c.watchlist, f"{c.score:.1f}",
            f"#{c.article_id} {c.title}", analysts(c.article_id, c.watchlist, "lost"),
        )  # fmt: skip
    if report.gained or report.lost:
        out_console.print(table)
    out_console.print(
        f"{report.articles} articles matched again ({report.skipped} without a body skipped): "
        f"{len(report.gained)} hits gained, {len(report.lost)} lost"
        + ("" if report.dry_run else f", {len(report.alerts)} alerts raised")
        + (" (dry run: nothing was changed)" if report.dry_run else "")
    )
    if notes:
        fixed = sum(n["outcome"] == "fixed" for n in notes)
        out_console.print(
            f"analysts' corrections: {fixed} fixed, {len(notes) - fixed} broken by this change"
        )
