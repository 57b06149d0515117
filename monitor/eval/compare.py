"""Pure: what a watchlist change fixes and breaks on a labeled corpus (the analysts' exported
corrections above all): each article whose relevance or copy verdict turned right or wrong
between two `monitor eval --predictions` runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.eval.replay import CorpusError, CorpusItem, json_lines


@dataclass(frozen=True, slots=True)
class Change:
    id: str
    title: str
    question: str  # relevance, syndication
    outcome: str  # fixed, broken
    before: object
    after: object
    gold: object

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "question": self.question,
            "outcome": self.outcome,
            "before": self.before,
            "after": self.after,
            "gold": self.gold,
        }


def _by_id(predictions: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(p["id"]): p for p in predictions if "id" in p}


def compare(
    items: Sequence[CorpusItem],
    before: Iterable[Mapping[str, Any]],
    after: Iterable[Mapping[str, Any]],
) -> list[Change]:
    """Articles whose verdict turned right (fixed) or wrong (broken), corpus order; articles
    missing from either run are left out."""
    old, new = _by_id(before), _by_id(after)
    out: list[Change] = []
    for item in items:
        if item.id not in old or item.id not in new:
            continue
        questions = (
            ("relevance", "hit", bool(item.labels.get("relevant"))),
            ("syndication", "copy_of", item.labels.get("syndicated_from")),
        )
        for question, key, gold in questions:
            was, now = old[item.id].get(key), new[item.id].get(key)
            if question == "relevance":
                was, now = bool(was), bool(now)
            right_before, right_now = was == gold, now == gold
            if right_before != right_now:
                outcome = "fixed" if right_now else "broken"
                out.append(Change(item.id, item.title, question, outcome, was, now, gold))
    return out


def read_predictions(path: Path) -> list[dict[str, Any]]:
    """A `--predictions` file (one JSON object a line); a clear error for anything else."""
    out = []
    for n, row in json_lines(path, "predictions"):
        if not isinstance(row, dict) or "id" not in row:
            raise CorpusError(f"{path}:{n}: not a prediction of monitor eval --predictions")
        out.append(row)
    return out


def correction_outcome(gained: bool, label: str) -> str | None:
    """What a hit gained or lost does to an analyst's relevance correction of that article:
    a hit gained on an article marked relevant fixes it, on one marked not relevant breaks
    it; a hit lost, the other way round."""
    if label not in ("relevant", "not-relevant"):
        return None
    return "fixed" if gained == (label == "relevant") else "broken"
