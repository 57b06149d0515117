"""Text normalization for matching, with a map back to the original offsets.

Patterns and article text go through the same `normalize`, so one automaton finds
"Thae Yong‑ho" (non-breaking hyphen), "THAE YONG-HO" and "Thae Yong-ho" alike. The
offset map lets every match report where it sits in the text as written.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# One-to-one replacements applied before case folding (length preserving).
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u00ad"
_SPACES = (
    "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000\t\x0b\x0c"
)
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalized text; `offsets[i]` is the original index of normalized char i (None: same)."""

    text: str
    offsets: tuple[int, ...] | None
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized [start, end) span back to the original text."""
        if self.offsets is None:
            return start, end
        if start >= len(self.offsets):
            return self.original_length, self.original_length
        o_start = self.offsets[start]
        o_end = self.offsets[end - 1] + 1 if end > start else o_start
        return o_start, o_end


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    """Normalize one non-ASCII character: mapping table, NFKC, accent folding, casefold."""
    if ch in _DASHES:
        return "-" if ch != "\u00ad" else ""
    if ch in _SPACES:
        return " "
    if ch in _SINGLE_QUOTES:
        return "'"
    if ch in _DOUBLE_QUOTES:
        return '"'
    if ch in _ZERO_WIDTH:
        return ""
    if is_hangul(ch) or is_han(ch):
        return unicodedata.normalize("NFKC", ch)
    out = unicodedata.normalize("NFKC", ch)
    decomposed = unicodedata.normalize("NFD", out)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).casefold() if stripped else ""


class _FoldTable(dict[str, str]):
    """A per-character cache that `str.translate`-style joins can index at C speed."""

    def __missing__(self, ch: str) -> str:
        value = ch.lower() if ch.isascii() else _fold_char(ch)
        if ch.isascii() and ch in _SPACES:
            value = " "
        self[ch] = value
        return value


_TABLE = _FoldTable()
_ASCII_SPACES = str.maketrans({c: " " for c in "\t\x0b\x0c"})


def normalize(text: str) -> Normalized:
    """Casefold, NFKC, fold accents, unify dashes, quotes and spaces; keep an offset map."""
    if text.isascii():
        return Normalized(text.translate(_ASCII_SPACES).lower(), None, len(text))
    pieces = list(map(_TABLE.__getitem__, text))
    folded = "".join(pieces)
    if len(folded) == len(text) and all(len(p) == 1 for p in pieces):
        return Normalized(folded, None, len(text))
    offsets: list[int] = []
    for i, piece in enumerate(pieces):
        offsets.extend([i] * len(piece))
    return Normalized(folded, tuple(offsets), len(text))


def normalize_term(term: str) -> str:
    """Normalize a pattern from config: like text, with runs of spaces collapsed."""
    return " ".join(normalize(term).text.split())


def is_hangul(ch: str) -> bool:
    """A Hangul syllable or jamo."""
    o = ord(ch)
    return 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F


def is_han(ch: str) -> bool:
    """A CJK ideograph (北, 韓 ...)."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


def char_class(ch: str) -> int:
    """0: not part of a word; 1: Latin letter or digit; 2: Hangul; 3: Han ideograph."""
    if ch.isascii():
        return 1 if ch.isalnum() else 0
    if is_hangul(ch):
        return 2
    if is_han(ch):
        return 3
    return 1 if ch.isalnum() else 0
