"""`monitor deliveries`: list the outbox, drain it now, retry a failed delivery."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import UTC, datetime
from typing import Annotated

import typer

from monitor.cli.app import (
    ConfigOpt,
    JsonOpt,
    fail,
    handle_errors,
    listing_group,
    out_console,
    print_json,
    styled,
)
from monitor.cli.runtime import open_runtime
from monitor.cli.tables import Col, WideOpt, listing
from monitor.delivery import deliver, outbox
from monitor.store.db import transaction

deliveries_app = listing_group(
    "deliveries", help="The outbox: every alert and digest per channel, its status and last error."
)


def worker_name() -> str:
    """A lease owner that names this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _fmt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


@deliveries_app.callback()
@handle_errors
def deliveries(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only pending, sent, failed, held, folded or skipped."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).")] = 200,
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """List deliveries, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    if status is not None and status not in outbox.STATUSES:
        fail(f"--status must be one of {', '.join(outbox.STATUSES)}", 2)
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        rows = [
            outbox.delivery_to_json(r)
            for r in outbox.list_deliveries(s, status=status, limit=limit or None)
        ]
    if json_out:
        print_json(rows)
        return
    cols = [
        Col("id", "id"),
        Col("channel", "id"),
        Col("kind", "status"),
        Col("status", "status"),
        Col("tries", "number", optional=True),
        Col("next / sent", "date"),
        Col("key", "id", optional=True),
        Col("last error", "title"),
    ]
    colors = {"sent": "green", "failed": "red", "pending": "yellow", "held": "cyan"}
    table_rows = []
    for r in rows:
        when = r["sent_at"] if r["status"] == "sent" else r["next_attempt_at"]
        table_rows.append(
            [
                str(r["id"]),
                r["channel"],
                r["kind"],
                styled(r["status"], colors.get(r["status"], "")),
                str(r["attempts"]),
                _fmt(datetime.fromisoformat(when)) if when else "-",
                r["dedupe_key"],
                r["last_error"] or "",
            ]
        )
    title = f"Deliveries ({len(rows)})"
    out_console.print(listing(title, cols, table_rows, out_console, wide=wide))


@deliveries_app.command("send")
@handle_errors
def send(config: ConfigOpt = None, json_out: JsonOpt = False) -> None:
    """Enqueue due digests and send every due delivery now (the daemon's delivery tick)."""
    rt = open_runtime(config)
    report = asyncio.run(deliver.tick(rt.cfg, rt.sessions, owner=worker_name()))
    if json_out:
        print_json(
            {
                "sent": report.sent,
                "retrying": report.retrying,
                "failed": report.failed,
                "outcomes": [
                    {"id": o.id, "channel": o.channel, "status": o.status, "error": o.error}
                    for o in report.outcomes
                ],
            }
        )
    else:
        out_console.print(f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}")
        for o in report.outcomes:
            if o.error:
                out_console.print(f"  #{o.id} {o.channel}: {o.status}: {o.error}")
    if report.failed:
        raise typer.Exit(1)


@deliveries_app.command("retry")
@handle_errors
def retry(
    delivery_id: Annotated[int, typer.Argument(help="The id of a failed or unsure delivery.")],
    config: ConfigOpt = None,
) -> None:
    """Put a failed or unsure delivery back in the queue (due now, attempts reset)."""
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        ok = outbox.retry_delivery(s, delivery_id, datetime.now(UTC))
    if not ok:
        fail(f"delivery {delivery_id} does not exist or is not failed or unsure", 1)
    out_console.print(
        f"delivery {delivery_id} is pending again; `monitor deliveries send` sends it"
    )
