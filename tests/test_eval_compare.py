"""`monitor eval --compare`: which articles of a corpus a change fixes and which it breaks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.eval.compare import compare
from monitor.eval.replay import CorpusItem


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
