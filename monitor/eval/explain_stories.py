"""`monitor eval --explain`: for each story and copy error, the score that decided it.

A report that opened its own story although its event already had one shows its best
score against each story its event's reports went to (the parts: people, terms, words,
conflicts) next to `join_score`; a report that joined another event's story shows the
reasons recorded when it joined. A missed copy shows the containment of the shorter text
with its labelled source next to `copy_containment`; a false copy the share the copy index
measured. Scores are recomputed from the records, purely (no database).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from monitor.config import AppConfig
from monitor.eval.replay import CorpusItem, extract_item, item_article
from monitor.eval.scores import copy_family
from monitor.match import Matcher
from monitor.stories.cluster import open_story, score
from monitor.stories.copies import containment, signature
from monitor.stories.model import Assignment, StoryCandidate
from monitor.stories.subjects import Mention, split_people

__all__ = ["copy_errors", "render", "story_errors"]


def _texts(items: Sequence[CorpusItem]) -> dict[str, tuple[str, str]]:
    out = {}
    for item in items:
        article = item_article(item, extract_item(item))
        out[item.id] = (article.title, article.text)
    return out


def _candidate(n: int, item: CorpusItem, title: str, text: str, matcher: Matcher) -> StoryCandidate:
    hits = matcher.match(title, text).hits
    mentions = [
        Mention(m.term, m.field, m.start, m.end)
        for h in hits
        for m in h.matches
        if m.rule == "target-person" and m.term in h.target_people
    ]
    return StoryCandidate(
        article_id=n,
        watchlist="explain",
        outlet=item.outlet,
        title=title,
        text=text,
        published_at=item.published,
        discovered_at=item.published,
        people=split_people(text, mentions).subjects,
        terms=frozenset(t for h in hits for t in h.terms),
    )


def story_errors(
    items: Sequence[CorpusItem],
    predictions: Sequence[dict[str, Any]],
    cfg: AppConfig,
    matcher: Matcher,
) -> list[dict[str, Any]]:
    """One explanation per report placed apart from its event, or with another event."""
    pred = {p["id"]: p for p in predictions}
    by_id = {i.id: i for i in items}
    gold = {
        i.id: str(i.labels["event"])
        for i in items
        if i.labels.get("relevant") and i.labels.get("event") and pred.get(i.id, {}).get("story")
    }
    members: dict[str, list[str]] = defaultdict(list)  # story -> corpus ids
    for cid in gold:
        members[pred[cid]["story"]].append(cid)
    main_story: dict[str, str] = {}  # event -> the story holding most of it
    for event in set(gold.values()):
        counts: dict[str, int] = defaultdict(int)
        for cid, ev in gold.items():
            if ev == event:
                counts[pred[cid]["story"]] += 1
        main_story[event] = max(counts, key=lambda k: (counts[k], k))
    errors = [
        cid
        for cid, ev in gold.items()
        if pred[cid]["story"] != main_story[ev]
        or any(gold[o] != ev for o in members[pred[cid]["story"]])
    ]
    if not errors:
        return []
    texts = _texts([by_id[c] for c in gold])
    cands = {cid: _candidate(n, by_id[cid], *texts[cid], matcher) for n, cid in enumerate(gold, 1)}
    stories = cfg.monitor.stories
    join = stories.join_score
    out: list[dict[str, Any]] = []
    for cid in sorted(errors, key=lambda c: (by_id[c].published, c)):
        ev = gold[cid]
        entry: dict[str, Any] = {
            "id": cid,
            "event": ev,
            "story": pred[cid]["story"],
            "title": by_id[cid].title,
            "recorded": pred[cid].get("_reasons", []),
        }
        lines = []
        if pred[cid]["story"] != main_story[ev]:
            entry["kind"] = "split"
            peers = [c for c in gold if gold[c] == ev and pred[c]["story"] != pred[cid]["story"]]
            best: tuple[float, str, tuple[str, ...]] | None = None
            for peer in peers:
                story = open_story(cands[peer], Assignment(None, "k", None, 0.0, ()), stories, 1)
                value, why = score(cands[cid], story)
                lines.append(
                    f"{value:+.2f} against {peer} ({pred[peer]['story']}): {'; '.join(why)}"
                )
                if best is None or value > best[0]:
                    best = (value, peer, why)
            entry["decided_by"] = (
                f"best score {best[0]:.2f} < join_score {join:g} (against {best[1]})"
                if best
                else "no other report of its event was placed"
            )
        else:
            entry["kind"] = "merged"
            others = sorted({gold[o] for o in members[pred[cid]["story"]] if gold[o] != ev})
            entry["decided_by"] = f"joined a story holding {', '.join(others)}: " + "; ".join(
                entry["recorded"]
            )
        entry["lines"] = lines[:6]
        out.append(entry)
    return out


def copy_errors(
    items: Sequence[CorpusItem], predictions: Sequence[dict[str, Any]], cfg: AppConfig
) -> list[dict[str, Any]]:
    """One explanation per missed, false or misdirected copy."""
    pred = {p["id"]: p for p in predictions}
    by_id = {i.id: i for i in items}
    gold = {i.id: i.labels.get("syndicated_from") for i in items}
    family = copy_family(gold)
    threshold = cfg.monitor.stories.copy_containment
    out: list[dict[str, Any]] = []
    for item in items:
        got, want = pred.get(item.id, {}).get("copy_of"), gold.get(item.id)
        if (got is None and want is None) or (got and want and family(got) == family(want)):
            continue
        recorded = pred.get(item.id, {}).get("_copy", {})
        entry: dict[str, Any] = {"id": item.id, "title": item.title, "copy_of": got, "gold": want}
        if want and want in by_id:
            a = item_article(item, extract_item(item)).text
            b = item_article(by_id[want], extract_item(by_id[want])).text
            share = containment(signature(a), signature(b))
            entry["kind"] = "missed" if got is None else "wrong-source"
            entry["decided_by"] = (
                f"containment with {want} {share:.2f} vs copy_containment {threshold:g}"
            )
        else:
            entry["kind"] = "false-copy"
            entry["decided_by"] = (
                f"the index measured {recorded.get('share', 0):.2f} with {recorded.get('source')}"
                f" (>= copy_containment {threshold:g})"
            )
        entry["lines"] = []
        out.append(entry)
    return out


def render(kind: str, explanations: Sequence[dict[str, Any]]) -> list[str]:
    """Plain lines for the terminal (feed text inside: print without markup)."""
    lines = [f"{kind} errors: {len(explanations)}"]
    for e in explanations:
        lines.append(f"{e['id']} {e['kind']}: {e['title']}")
        lines.append(f"  decided by: {e['decided_by']}")
        lines.extend(f"    {line}" for line in e.get("lines", []))
    return lines
