"""`monitor eval --compare`: which articles of a corpus a change fixes and which it breaks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from monitor.cli import app as cli_app
from monitor.clock import utcnow
from monitor.eval.compare import compare, correction_outcome
from monitor.eval.replay import CorpusItem
from monitor.resources import default_watchlists
from monitor.store import feedback as fb
from monitor.store.db import transaction
from monitor.store.search import search_articles
from tests.deskdata import build


def item(i: str, relevant: bool, copy_of: str | None = None) -> CorpusItem:
    labels = {"relevant": relevant, "syndicated_from": copy_of}
    return CorpusItem(i, "O", "f", f"https://x.invalid/{i}", datetime(2026, 1, 1, tzinfo=UTC),
                      f"t{i}", None, "body", labels)  # fmt: skip


def pred(i: str, hit: bool, copy_of: str | None = None) -> dict[str, Any]:
    return {"id": i, "hit": hit, "copy_of": copy_of}


@pytest.mark.parametrize(
    ("gold", "before", "after", "want"),
    [
        (item("a", False), pred("a", True), pred("a", False), [("relevance", "fixed")]),
        (item("a", False), pred("a", False), pred("a", True), [("relevance", "broken")]),
        (item("a", True), pred("a", True), pred("a", True), []),
        (item("a", True), pred("a", False), pred("a", False), []),  # wrong both times
        (item("b", True, "a"), pred("b", True), pred("b", True, "a"), [("syndication", "fixed")]),
        (
            item("b", True, "a"),
            pred("b", True, "a"),
            pred("b", True, "c"),
            [("syndication", "broken")],
        ),
        (item("b", True), pred("b", True), pred("x", True), []),  # not in both runs
    ],
)
def test_compare(
    gold: CorpusItem, before: dict[str, Any], after: dict[str, Any], want: list[tuple[str, str]]
) -> None:
    got = compare([gold], [before], [after])
    assert [(c.question, c.outcome) for c in got] == want


@pytest.mark.parametrize(
    ("gained", "label", "want"),
    [
        (True, "relevant", "fixed"),
        (True, "not-relevant", "broken"),
        (False, "relevant", "broken"),
        (False, "not-relevant", "fixed"),
        (True, "copy-of", None),
    ],
)
def test_correction_outcome(gained: bool, label: str, want: str | None) -> None:
    assert correction_outcome(gained, label) == want


def test_rematch_dry_run_names_the_corrections_a_watchlist_change_fixes(tmp_path: Path) -> None:
    data = build(tmp_path / "desk")
    with transaction(data.sessions) as s:
        misses = search_articles(s, "council", hit=False)
        assert misses, "the demo has a council story no watchlist hits"
        target = misses[0]
        fb.add_feedback(s, label="relevant", who="alice", now=utcnow(), article_id=target.id,
                        watchlist="nk-defections")  # fmt: skip
    # the maintainer's change: a keyword that needs no context, heavy enough to hit alone
    folder = tmp_path / "watchlists"
    folder.mkdir()
    for f in default_watchlists().glob("*.yaml"):
        wl = yaml.safe_load(f.read_text(encoding="utf-8"))
        if wl["id"] == "nk-defections":
            wl["keywords"].append({"term": "council", "needs_context": False, "weight": 10.0})
        (folder / f.name).write_text(yaml.safe_dump(wl, allow_unicode=True), encoding="utf-8")
    config = yaml.safe_load(data.config_file.read_text(encoding="utf-8"))
    config["watchlist_paths"] = [str(folder)]
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = {**data.env, "MONITOR_CONFIG": str(changed)}
    r = CliRunner().invoke(cli_app, ["rematch", "--since", "3650d", "--dry-run", "--json"], env=env)
    assert r.exit_code == 0, r.output
    notes = json.loads(r.stdout)["corrections"]
    assert {"article": target.id, "watchlist": "nk-defections", "change": "gained",
            "correction": "relevant", "by": "alice", "outcome": "fixed"} in notes  # fmt: skip
    text = CliRunner().invoke(cli_app, ["rematch", "--since", "3650d", "--dry-run"], env=env)
    assert "analysts' corrections: 1 fixed, 0 broken" in text.output and "alice" in text.output
