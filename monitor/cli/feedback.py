"""`monitor feedback`: the analysts' corrections from the desk, listed or exported as a corpus
that `monitor eval` replays (docs/desk.md: the feedback loop)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from monitor.cli.app import ConfigOpt, JsonOpt, app, handle_errors, out_console, plural, print_json
from monitor.cli.runtime import open_runtime
from monitor.store import feedback as fb
from monitor.store.db import transaction
from monitor.web.export import to_corpus

feedback_app = typer.Typer(
    help="Analysts' corrections from the desk.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
@handle_errors
def export(
    out: Annotated[Path, typer.Argument(help="The corpus file to write (JSON lines).")],
    watchlist: Annotated[
        str | None, typer.Option("--watchlist", "-w", help="Only this watchlist's corrections.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Write the corrected articles (and the articles they name) in the corpus format."""
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        active, articles = fb.corrected_articles(s)
        keys = fb.story_keys(
            s, [f.other_id for f in active if f.label == "belongs-to" and f.other_id]
        )
    rt.engine.dispose()
    records = to_corpus(active, articles, keys, watchlist=watchlist)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    tmp.replace(out)
    out_console.print(
        f"wrote {plural(len(records), 'article')} ({plural(len(active), 'correction')} in force) "
        f"to {out}; replay it with: monitor eval {out}"
    )


@feedback_app.command("list")
@handle_errors
def list_(json_out: JsonOpt = False, config: ConfigOpt = None) -> None:
    """Every correction, withdrawn ones too, oldest first."""
    rt = open_runtime(config)
    with transaction(rt.sessions) as s:
        items = fb.all_feedback(s)
    rt.engine.dispose()
    if json_out:
        print_json([fb.feedback_json(f) for f in items])
        return
    table = Table("id", "label", "watchlist", "article", "other", "who", "when", "withdrawn")
    for f in items:
        table.add_row(
            str(f.id),
            f.label,
            f.watchlist or "",
            str(f.article_id or ""),
            str(f.other_id or ""),
            f.who,
            f.created_at.isoformat(timespec="minutes"),
            f"{f.revoked_by} {f.revoked_at:%Y-%m-%d %H:%M}" if f.revoked_at else "",
        )
    out_console.print(table)
