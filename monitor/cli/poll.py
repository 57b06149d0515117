"""`monitor poll`: one polling pass now, with progress on a terminal and a summary."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from monitor.cli.app import (
    EXIT_FAILED,
    ConfigOpt,
    JsonOpt,
    app,
    err_console,
    fail,
    flag,
    handle_errors,
    out_console,
    print_json,
    styled,
)
from monitor.cli.runtime import open_runtime
from monitor.delivery import deliver
from monitor.pipeline.ingest import make_processor
from monitor.pipeline.poll import FeedReport, Poller, PollReport
from monitor.store.db import transaction
from monitor.store.status import row_counts


@app.command()
@handle_errors
def poll(
    feed: Annotated[
        list[str] | None, typer.Option("--feed", "-f", help="Only this feed id (repeatable).")
    ] = None,
    due: Annotated[bool, flag("--due", help="Only feeds whose next poll time passed.")] = False,
    fail_on_error: Annotated[
        bool,
        flag(
            "--fail-on-error",
            help="Exit 1 when any feed failed (default: only when every feed failed).",
        ),
    ] = False,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Poll every feed (or --feed ID) once now and store what is new."""
    rt = open_runtime(config)
    if feed:
        unknown = sorted(set(feed) - {f.id for f in rt.cfg.feeds})
        if unknown:
            fail(f"no feed with id {', '.join(unknown)} in {rt.cfg.path}", 2)
    show_progress = not json_out and err_console.is_terminal
    progress = Progress(
        TextColumn("polling"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=err_console,
        disable=not show_progress,
    )
    with transaction(rt.sessions) as s:
        before = row_counts(s)
    with progress:
        task = progress.add_task("", total=len(feed) if feed else len(rt.cfg.feeds))

        def done(r: FeedReport) -> None:
            progress.update(task, advance=1, description=f"{r.feed_id}: {r.outcome}")

        poller = Poller(rt.cfg, rt.sessions, processor=make_processor(rt.cfg), on_feed_done=done)
        report = asyncio.run(poller.run(feed or None, due_only=due))
        progress.update(task, total=len(report.feeds))
    # a one-shot poll from cron delivers its immediate alerts (and due digests) before exiting
    sent = asyncio.run(deliver.tick(rt.cfg, rt.sessions, owner=f"poll-{os.getpid()}"))
    with transaction(rt.sessions) as s:  # what the pass raised (rows other workers add count too)
        raised = {k: n - before[k] for k, n in row_counts(s).items()}
    if json_out:
        print_json(
            {
                **report.to_json(),
                "raised": raised,
                "deliveries": {"sent": sent.sent, "retrying": sent.retrying, "failed": sent.failed},
            }
        )
    else:
        _print_summary(report, raised)
        if sent.outcomes:
            out_console.print(
                f"deliveries: {sent.sent} sent, {sent.retrying} to retry, {sent.failed} failed"
            )
    failed = report.count("failed")
    if report.feeds and (failed == len(report.feeds) or (fail_on_error and failed)):
        raise typer.Exit(EXIT_FAILED)


def _print_summary(report: PollReport, raised: dict[str, int]) -> None:
    table = Table(title="Poll summary", show_lines=False)
    for col in ("feed", "outcome", "HTTP", "entries", "new", "error"):
        table.add_column(col, overflow="fold")
    style = {"ok": "green", "not-modified": "cyan", "failed": "red", "disabled": "yellow"}
    for f in sorted(report.feeds, key=lambda f: (f.outcome != "failed", f.feed_id)):
        table.add_row(
            f.feed_id,
            styled(f.outcome, style.get(f.outcome, "")),
            str(f.http_status or ""),
            str(f.entries),
            str(f.new_articles),
            f.error
            or f.warning
            or (
                f"{len(f.article_errors)} page(s) fell back to feed text"
                if f.article_errors
                else ""
            ),
        )
    out_console.print(table)
    out_console.print(
        f"{len(report.feeds)} feeds: {report.count('ok')} ok, "
        f"{report.count('not-modified')} not modified, {report.count('failed')} failed, "
        f"{report.count('disabled')} disabled; {report.new_articles} new articles, "
        f"{raised['hits']} hits, {raised['stories']} new stories, {raised['alerts']} alerts"
    )
