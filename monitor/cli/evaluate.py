"""`monitor eval CORPUS.jsonl`: replay a labeled corpus and print the scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from monitor.cli.app import (
    ConfigOpt,
    JsonOpt,
    app,
    clip,
    flag,
    get_config,
    handle_errors,
    out_console,
    print_json,
)
from monitor.config import config_path
from monitor.eval.compare import compare, read_predictions
from monitor.eval.explain import relevance_errors
from monitor.eval.explain import render as render_explanations
from monitor.eval.explain_alerts import alert_errors
from monitor.eval.explain_stories import copy_errors, story_errors
from monitor.eval.explain_stories import render as render_story_explanations
from monitor.eval.replay import load_corpus, replay, score, temporary_database
from monitor.match import compile_watchlists
from monitor.pipeline.ingest import make_processor
from monitor.pipeline.poll import extraction_pool
from monitor.pipeline.prepare import Watchlists


def _default_config() -> Path | None:
    """Outside a checkout's folder, eval still scores with the project's own config/."""
    if config_path().exists():
        return None
    bundled = Path(__file__).resolve().parents[2] / "config" / "monitor.yaml"
    return bundled if bundled.exists() else None


@app.command("eval")
@handle_errors
def eval_(
    corpus: Annotated[Path, typer.Argument(help="A labeled corpus (JSON lines).")],
    config: ConfigOpt = None,
    json_out: JsonOpt = False,
    predictions: Annotated[
        Path | None, typer.Option("--predictions", help="Write one JSON object per article here.")
    ] = None,
    compare_with: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            help="A --predictions file of an earlier run: list what this run fixes and breaks.",
        ),
    ] = None,
    explain: Annotated[
        bool,
        flag("--explain", help="For each error, print the rule or score that decided it."),
    ] = False,
) -> None:
    """Replay CORPUS through extraction, matching, stories and alerts; print the metrics."""
    cfg = get_config(config or _default_config())
    items = load_corpus(corpus)
    with (
        temporary_database() as sessions,
        extraction_pool(
            cfg.monitor.fetch.extraction_workers, Watchlists.of(cfg.watchlists)
        ) as pool,
    ):
        preds = replay(items, cfg, sessions, make_processor(cfg), executor=pool)
    metrics = score(items, preds)
    changes = []
    if compare_with is not None:
        changes = compare(items, read_predictions(compare_with), preds)
        metrics["compare"] = [c.to_json() for c in changes]
    explanations = (
        relevance_errors(items, preds, compile_watchlists(cfg.watchlists)) if explain else []
    )
    story_expl = copy_expl = alert_expl = []
    if explain:
        matcher = compile_watchlists(cfg.watchlists)
        story_expl = story_errors(items, preds, cfg, matcher)
        copy_expl = copy_errors(items, preds, cfg)
        alert_expl = alert_errors(items, preds)
        metrics["explain"] = {
            "relevance": explanations,
            "stories": story_expl,
            "syndication": copy_expl,
            "alerts": alert_expl,
        }
    if predictions is not None:
        with predictions.open("w", encoding="utf-8") as fh:
            for p in preds:
                public = {k: v for k, v in p.items() if not k.startswith("_")}
                fh.write(json.dumps(public, ensure_ascii=False) + "\n")
    if json_out:
        print_json(metrics)
        return
    if compare_with is not None:
        fixed = sum(c.outcome == "fixed" for c in changes)
        out_console.print(
            f"against {compare_with}: {fixed} fixed, {len(changes) - fixed} broken", soft_wrap=True
        )
        for c in changes:
            out_console.print(
                clip(f"  {c.outcome} {c.question} {c.id}: {c.before} -> {c.after} "
                     f"(labelled {c.gold}) {c.title}", 400),
                soft_wrap=True,
            )  # fmt: skip
    table = Table(title=f"monitor eval {corpus} ({metrics['articles']} articles)")
    for col in ("metric", "precision", "recall", "F1"):
        table.add_column(col)
    for name in ("relevance", "stories", "syndication"):
        m = metrics[name]
        table.add_row(name, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m.get('f1', 0):.3f}")
    out_console.print(table)
    alerts = metrics["alerts"]
    out_console.print(
        "alerts: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in alerts.items()),
        soft_wrap=True,
    )
    if explain:
        out_console.print(f"relevance errors: {len(explanations)}")
        for text in render_explanations(explanations):
            out_console.print(clip(text, 400), soft_wrap=True)
        for text in [
            *render_story_explanations("story", story_expl),
            *render_story_explanations("syndication", copy_expl),
            *render_story_explanations("alert", alert_expl),
        ]:
            out_console.print(clip(text, 400), soft_wrap=True)
