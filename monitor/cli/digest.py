"""`monitor digest`: render a digest now (--dry-run prints it) or enqueue and send it."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from monitor.cli.app import (
    ConfigOpt,
    app,
    fail,
    flag,
    handle_errors,
    out_console,
)
from monitor.cli.deliveries import worker_name
from monitor.cli.runtime import open_runtime
from monitor.config.types import parse_duration
from monitor.delivery import deliver, outbox
from monitor.delivery.compose import DigestSpan, compose_digest
from monitor.delivery.render import render_html, render_text
from monitor.sanitize import terminal_safe
from monitor.store.db import transaction


@app.command()
@handle_errors
def digest(
    channel: Annotated[
        str | None, typer.Option("--channel", help="Only this channel (default: all).")
    ] = None,
    since: Annotated[str, typer.Option("--since", help="Cover the last 24h, 7d, 90m ...")] = "24h",
    dry_run: Annotated[
        bool, flag("--dry-run", help="Print the rendered digest; write and send nothing.")
    ] = False,
    html: Annotated[bool, flag("--html", help="With --dry-run: print the HTML too.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Render a digest of recent stories for each channel, and send it (unless --dry-run)."""
    try:
        window = parse_duration(since)
    except ValueError as exc:
        fail(str(exc), 2)
    rt = open_runtime(config)
    channels = [c for c in rt.cfg.monitor.channels if channel in (None, c.name)]
    if not channels:
        fail(f"no channel named {channel!r} in the config" if channel else "no channels", 2)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - window
    if dry_run:
        with transaction(rt.sessions) as s:
            digests = [(c, compose_digest(s, rt.cfg, c, DigestSpan(start, now))) for c in channels]
        for c, d in digests:
            # plain text for a terminal or a pipe: no control sequence from feed text
            sys.stdout.write(terminal_safe(f"# channel {c.name} ({c.type})\n{render_text(d)}\n"))
            if html:
                sys.stdout.write(terminal_safe(render_html(d) + "\n"))
        return
    created = 0
    with transaction(rt.sessions) as s:
        for c in channels:
            if outbox.enqueue_digest(s, rt.cfg, c.name, now, start, now, window=True):
                created += 1
    report = asyncio.run(deliver.drain(rt.cfg, rt.sessions, owner=worker_name()))
    out_console.print(
        f"{created} digest(s) enqueued; sent {report.sent}, retrying {report.retrying}, "
        f"failed {report.failed}"
    )
    if report.failed:
        raise typer.Exit(1)
