"""Pure: a story's provenance for its page. The reports in the order they appeared, each with
the outlets it credits and the words that credit them; copies folded under their source; and
who cites whom as an indented tree (credited origin → reports crediting it → their copies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from monitor.domain import ArticleRecord
from monitor.stories.origins import extract_citations

PHRASE_CHARS = 90


@dataclass(frozen=True, slots=True)
class Credit:
    """An outlet a report credits, by which rule, and the words that say so."""

    origin: str
    rule: str
    phrase: str


@dataclass(slots=True)
class Report:
    article: ArticleRecord
    seen_at: datetime
    credits: list[Credit] = field(default_factory=list)
    copies: list[tuple[Report, float | None]] = field(default_factory=list)  # (copy, similarity)


@dataclass(frozen=True, slots=True)
class TreeNode:
    depth: int
    label: str
    article_id: int | None = None  # a report, or None for an origin


def _seen(a: ArticleRecord) -> datetime:
    return a.published_at or a.added_at or a.discovered_at


def _phrase(text: str, offset: int) -> str:
    """The sentence part around a credit: from a little before the name to a little after."""
    start = max(0, offset - PHRASE_CHARS // 2)
    cut = text[start : offset + PHRASE_CHARS // 2]
    cut = " ".join(cut.split())
    return ("…" if start else "") + cut + ("…" if offset + PHRASE_CHARS // 2 < len(text) else "")


def credits_of(body: str, origins: Sequence[str], official: Sequence[str] = ()) -> list[Credit]:
    """How a report credits each of its origins (the first credit of each); an origin the
    text does not name (its own reporting) is listed with rule `own`."""
    found: dict[str, Credit] = {}
    for c in extract_citations(body, official_sources=official):
        if c.kind == "credit" and c.name not in found:
            found[c.name] = Credit(c.name, c.rule, _phrase(body, c.offset))
    out = [found.get(o) or Credit(o, "own", "") for o in origins]
    return out


def timeline(
    articles: Sequence[ArticleRecord],
    bodies: Mapping[int, str],
    similarity: Mapping[int, float],
    official: Sequence[str] = (),
) -> list[Report]:
    """Originals first seen first, each with its copies (any depth folded to the root)."""
    by_id = {a.id: a for a in articles}
    reports = {
        a.id: Report(a, _seen(a), credits_of(bodies.get(a.id, ""), a.origins, official))
        for a in articles
    }

    def root(a: ArticleRecord) -> int:
        seen = {a.id}
        while a.copy_of is not None and a.copy_of in by_id and a.copy_of not in seen:
            a = by_id[a.copy_of]
            seen.add(a.id)
        return a.id

    top: list[Report] = []
    for a in sorted(articles, key=lambda a: (_seen(a), a.id)):
        r = root(a)
        if r == a.id:
            top.append(reports[a.id])
        else:
            reports[r].copies.append((reports[a.id], similarity.get(a.id)))
    return top


def citation_tree(reports: Sequence[Report]) -> list[TreeNode]:
    """Origin → the reports that credit it (first first) → their copies. A report crediting
    only itself is original reporting: its outlet is the origin."""
    order: list[str] = []
    under: dict[str, list[Report]] = {}
    for r in reports:
        for c in r.credits or [Credit(r.article.outlet, "own", "")]:
            if c.origin not in under:
                order.append(c.origin)
            under.setdefault(c.origin, []).append(r)
    nodes: list[TreeNode] = []
    for origin in order:
        nodes.append(TreeNode(0, origin))
        for r in under[origin]:
            how = next((c.rule for c in r.credits if c.origin == origin), "own")
            label = f"{r.article.outlet} ({'own reporting' if how == 'own' else how})"
            nodes.append(TreeNode(1, label, r.article.id))
            for copy, _ in r.copies:
                nodes.append(TreeNode(2, f"{copy.article.outlet} (copy)", copy.article.id))
    return nodes
