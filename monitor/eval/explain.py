"""`monitor eval --explain`: for each relevance error, the rule or score that decided it.

A false hit shows what counted (each keyword, phrase family and person with its weight, the
context term and whether it came from the sentence or the article) against the threshold; a
missed page shows why each candidate did not count (negated, only a source, toward the
North, foreign subject, no context, excluded) and the score it reached. The page is matched
again from its record, exactly as the pipeline builds it: pure, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.eval.replay import CorpusItem, extract_item, item_article
from monitor.match import Matcher
from monitor.match.model import Hit, Match, Miss

MAX_LINES = 8  # per error: the first counted matches or misses


def relevance_errors(
    items: Sequence[CorpusItem], predictions: Sequence[dict[str, Any]], matcher: Matcher
) -> list[dict[str, Any]]:
    """One explanation per relevance error (false hit or miss), in corpus order."""
    predicted = {p["id"]: bool(p["hit"]) for p in predictions}
    out: list[dict[str, Any]] = []
    for item in items:
        gold = bool(item.labels.get("relevant"))
        if predicted.get(item.id, False) == gold:
            continue
        article = item_article(item, extract_item(item))
        report = matcher.match(article.title, article.text)
        kind = "false-hit" if not gold else "missed"
        entry: dict[str, Any] = {"id": item.id, "kind": kind, "title": article.title}
        if report.hits:
            hit = max(report.hits, key=lambda h: h.score)
            entry["decided_by"] = _hit_summary(hit)
            entry["lines"] = [_match_line(m) for m in hit.matches[:MAX_LINES]]
        else:
            entry["decided_by"] = _miss_summary(report.misses)
            entry["lines"] = [_miss_line(m) for m in report.misses[:MAX_LINES]]
        if kind == "missed" and report.hits:  # hit now, missed in the replay (another stage)
            entry["decided_by"] += " (the replay stored no hit)"
        out.append(entry)
    return out


def _hit_summary(hit: Hit) -> str:
    terms = ", ".join(dict.fromkeys(m.term for m in hit.matches if m.rule != "context-person"))
    return f"score {hit.score:g} >= threshold {hit.threshold:g} from {terms}"


def _miss_summary(misses: Sequence[Miss]) -> str:
    below = next((m for m in misses if m.reason == "below-threshold"), None)
    if below is not None:
        return below.detail or "below threshold"
    if not misses:
        return "no keyword, phrase family or target person in the text"
    reasons = ", ".join(dict.fromkeys(m.reason for m in misses))
    return f"nothing counted ({reasons})"


def _match_line(m: Match) -> str:
    how: str = m.rule
    if m.phrase:
        how += f" phrase {m.phrase!r}"
    if m.context:
        where = {"article": "the title/lead", "sentence-before": "the sentence before"}.get(
            m.context_from or "", "its sentence"
        )
        how += f", context {m.context!r} in {where}"
    return f"+{m.weight:g} {how}: {m.term!r} as {m.text!r} ({m.field}) … {m.snippet}"


def _miss_line(m: Miss) -> str:
    if m.term is None:
        return f"{m.reason}: {m.detail}"
    return f"{m.reason}: {m.term!r} as {m.text!r} ({m.field}): {m.detail} … {m.snippet}"


def render(explanations: Sequence[dict[str, Any]]) -> list[str]:
    """Plain lines for the terminal (feed text inside: print without markup)."""
    lines: list[str] = []
    for e in explanations:
        lines.append(f"{e['id']} {e['kind']}: {e['title']}")
        lines.append(f"  decided by: {e['decided_by']}")
        lines.extend(f"    {line}" for line in e["lines"])
    return lines
