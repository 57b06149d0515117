"""Scores for `monitor eval`: relevance, B-cubed story clustering, syndication. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def relevance(predicted: Mapping[str, bool], gold: Mapping[str, bool]) -> dict[str, Any]:
    tp = sum(1 for k, g in gold.items() if g and predicted.get(k))
    fp = sum(1 for k, g in gold.items() if not g and predicted.get(k))
    fn = sum(1 for k, g in gold.items() if g and not predicted.get(k))
    return {**prf(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn}


def bcubed(predicted: Mapping[str, str | None], gold: Mapping[str, str]) -> dict[str, float]:
    """B-cubed over items with a gold cluster; an item without a predicted story is a singleton."""
    items = list(gold)
    if not items:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    pred = {i: predicted.get(i) or f"__single__{i}" for i in items}
    by_pred: dict[str, set[str]] = defaultdict(set)
    by_gold: dict[str, set[str]] = defaultdict(set)
    for i in items:
        by_pred[pred[i]].add(i)
        by_gold[gold[i]].add(i)
    p_sum = r_sum = 0.0
    for i in items:
        same_pred, same_gold = by_pred[pred[i]], by_gold[gold[i]]
        both = len(same_pred & same_gold)
        p_sum += both / len(same_pred)
        r_sum += both / len(same_gold)
    p, r = p_sum / len(items), r_sum / len(items)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def copy_family(gold: Mapping[str, str | None]) -> Callable[[str | None], str | None]:
    """An item -> the original at the end of its chain of gold copies, so a copy of a copy
    and its original are one family (the item itself when it copies nothing)."""
    root = {k: v for k, v in gold.items() if v}

    def family(x: str | None) -> str | None:
        seen = set()
        while x is not None and x in root and x not in seen:
            seen.add(x)
            x = root[x]
        return x

    return family


def syndication(
    predicted: Mapping[str, str | None], gold: Mapping[str, str | None]
) -> dict[str, Any]:
    """A predicted copy is right when it names the gold original (or another copy of it)."""
    family = copy_family(gold)
    tp = fp = 0
    for k, v in predicted.items():
        if not v:
            continue
        if gold.get(k) and family(v) == family(gold[k]):
            tp += 1
        else:
            fp += 1
    fn = sum(1 for k, v in gold.items() if v and not (predicted.get(k)))
    fn += sum(
        1 for k, v in gold.items() if v and predicted.get(k) and family(predicted[k]) != family(v)
    )
    return {**prf(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn}


def alert_counts(alerts: Sequence[Sequence[str]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for kinds in alerts:
        for k in kinds:
            counts[k] += 1
    return dict(sorted(counts.items()))
