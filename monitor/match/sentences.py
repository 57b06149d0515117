"""Sentence boundaries (for "same sentence" context) and snippets (for explanations)."""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A sentence ends at . ! ? 。 (then optional closing quotes/brackets, then space) or a newline.
_END = re.compile(r"[.!?。？！]+[\"')\]」』]*(?=\s)|\n")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
# Abbreviations after which a period does not end a sentence (text is casefolded).
ABBREVIATIONS = _words(
    "mr mrs ms dr prof st sr jr gen lt col maj capt sgt cpl adm gov sen rep rev "
    "jan feb mar apr jun jul aug sep sept oct nov dec no nos vs etc inc corp co ltd "
    "dept univ approx est fig vol ft mt"
)


def sentence_starts(text: str) -> list[int]:
    """Offsets where sentences start (after the first): for bisect."""
    starts: list[int] = []
    for m in _END.finditer(text):
        if m.group() == "\n":
            starts.append(m.end())
            continue
        if m.group()[0] == "." and _is_abbreviation(text, m.start()):
            continue
        starts.append(m.end())
    return starts


def _is_abbreviation(text: str, dot: int) -> bool:
    """'n. korea', 'u.s. forces', 'jan. 25', 'mr. kim': the period is not a sentence end."""
    m = _TOKEN_BEFORE.search(text, max(0, dot - 12), dot)
    if m is None:
        return False
    token = m.group(1).lstrip("\"'([")
    return len(token) <= 1 or "." in token or token in ABBREVIATIONS


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
