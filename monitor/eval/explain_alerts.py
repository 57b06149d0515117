"""`monitor eval --explain`: for each alert error, what decided it.

The bar is one `new` per event and none elsewhere. An event with no `new` shows, for each
of its reports, why that report announced nothing (found late, news about a long-known
defector, a copy, joined a story already announced); an event with several shows the
stories that announced it (a split); a `new` on an irrelevant page, a stale page or a
page without an event shows the story it opened and the reasons recorded with it. Pure:
read from the replay's predictions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from monitor.eval.replay import CorpusItem

__all__ = ["alert_errors"]


def _why_silent(p: dict[str, Any]) -> str:
    if not p.get("hit"):
        return "no hit"
    reasons = [str(r) for r in p.get("_reasons", [])]
    quiet = next((r for r in reasons if r.startswith("person news")), None)
    if p.get("stale"):
        return "found late (stale): an old report announces nothing"
    if quiet is not None:
        return quiet
    if p.get("copy_of"):
        return f"a copy of {p['copy_of']}"
    return f"joined story {p.get('story')}, already announced or never: " + "; ".join(reasons)


def alert_errors(
    items: Sequence[CorpusItem], predictions: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One explanation per event without exactly one `new`, and per `new` outside events."""
    pred = {p["id"]: p for p in predictions}
    reports: dict[str, list[CorpusItem]] = defaultdict(list)
    out: list[dict[str, Any]] = []
    for item in items:
        labels = item.labels
        if labels.get("relevant") and labels.get("event"):
            reports[str(labels["event"])].append(item)
        elif "new" in pred.get(item.id, {}).get("alerts", []):
            p = pred[item.id]
            where = "an irrelevant page" if not labels.get("relevant") else "a page with no event"
            out.append(
                {
                    "id": item.id,
                    "title": item.title,
                    "kind": "new-outside-events",
                    "decided_by": f"opened story {p.get('story')} on {where}: "
                    + "; ".join(str(r) for r in p.get("_reasons", [])),
                    "lines": [],
                }
            )
    for event, members in sorted(reports.items()):
        news = [i for i in members if "new" in pred.get(i.id, {}).get("alerts", [])]
        if len(news) == 1:
            continue
        first = members[0]
        if not news:
            entry = {
                "id": first.id,
                "title": first.title,
                "kind": "event-never-announced",
                "decided_by": f"{event}: no report raised `new`",
                "lines": [f"{i.id}: {_why_silent(pred.get(i.id, {}))}" for i in members][:6],
            }
        else:
            entry = {
                "id": news[1].id,
                "title": news[1].title,
                "kind": "event-announced-twice",
                "decided_by": f"{event}: {len(news)} reports raised `new` (a split story)",
                "lines": [f"{i.id}: opened story {pred[i.id].get('story')}" for i in news][:6],
            }
        out.append(entry)
    return out
