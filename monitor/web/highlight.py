"""Pure: an article's text cut into plain and highlighted pieces, one piece per match.

Templates render the pieces with autoescape, so feed text never becomes markup; a match is a
`<mark>` whose title names its rule, term, score and weight (what `monitor match` prints).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.match import Match


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    match: int | None = None  # index into the explained matches, None for plain text


def pieces(text: str, spans: Sequence[tuple[int, int]]) -> list[Piece]:
    """`text` cut at the spans (start, end), the i-th span marked i; overlapping or
    out-of-range spans are skipped (an earlier span wins), so the text always reads whole."""
    out: list[Piece] = []
    at = 0
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], -spans[i][1]))
    for i in order:
        start, end = spans[i]
        if start < at or end <= start or end > len(text):
            continue
        if start > at:
            out.append(Piece(text[at:start]))
        out.append(Piece(text[start:end], i))
        at = end
    if at < len(text):
        out.append(Piece(text[at:]))
    return out


def paragraphs(items: Iterable[Piece]) -> list[list[Piece]]:
    """Pieces regrouped into paragraphs at blank lines (a mark never spans one)."""
    paras: list[list[Piece]] = [[]]
    for p in items:
        if p.match is not None:
            paras[-1].append(p)
            continue
        chunks = p.text.split("\n\n")
        for n, chunk in enumerate(chunks):
            if n:
                paras.append([])
            if chunk:
                paras[-1].append(Piece(chunk))
    return [p for p in paras if any(x.text.strip() for x in p)]


def field_spans(matches: Sequence[Match], field: str) -> list[tuple[int, int]]:
    """(start, end) of the matches in one field; others get an empty span (not drawn)."""
    return [(m.start, m.end) if m.field == field else (0, 0) for m in matches]
