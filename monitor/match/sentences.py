"""Sentence starts (for "same sentence" context) and snippets (for explanations)."""

from __future__ import annotations

from monitor.text import sentence_spans


def sentence_starts(text: str) -> list[int]:
    """Offsets where sentences start (after the first): for bisect. The matcher's text is
    casefolded, so the one splitter reads it without capitals (`monitor.text`)."""
    return [lo for lo, _hi in sentence_spans(text, cased=False)[1:]]


def snippet(text: str, start: int, end: int, width: int = 70) -> str:
    """The match in its surroundings, cut at word boundaries, on one line."""
    lo = max(0, start - width)
    hi = min(len(text), end + width)
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    body = " ".join(text[lo:hi].split())
    return ("…" if lo > 0 else "") + body + ("…" if hi < len(text) else "")
