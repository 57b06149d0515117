"""Text normalization for matching, with a map back to the original offsets.

Patterns and article text go through the same `normalize`, so one automaton finds
"Thae Yong‑ho" (non-breaking hyphen), "THAE YONG-HO" and "Thae Yong-ho" alike. The
offset map lets every match report where it sits in the text as written.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
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
    """Normalized text and where it came from: `breaks` are the points where lengths differ.

    Each break is (normalized index, original index, constant): from that normalized index
    on, original = original index + (i - normalized index), or the constant original index
    for the characters one original character expanded into. None: same offsets.
    """

    text: str
    breaks: tuple[tuple[int, int, bool], ...] | None
    original_length: int

    def original(self, i: int) -> int:
        """The original index of normalized character i."""
        if not self.breaks:
            return i
        k = bisect_right(self.breaks, (i, 1 << 62, True)) - 1
        if k < 0:
            return i
        norm, orig, constant = self.breaks[k]
        return orig if constant else orig + (i - norm)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized [start, end) span back to the original text."""
        if not self.breaks:
            return start, end
        if start >= len(self.text):
            return self.original_length, self.original_length
        o_start = self.original(start)
        o_end = self.original(end - 1) + 1 if end > start else o_start
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


_ASCII_SPACES = str.maketrans({c: " " for c in "\t\x0b\x0c"})


@lru_cache(maxsize=1)
def _special() -> re.Pattern[str]:
    """The characters `lower()` alone would not fold as `_fold_char` does: tab, vertical tab
    and form feed, and every other character whose fold is not its lowercase (accents,
    dashes, quotes, compatibility forms ...), found once over the Basic Multilingual Plane
    (about 30 ms, on the first non-ASCII text); characters beyond it are all special. Only
    these are folded one distinct character at a time: plain Cyrillic, Greek or Hangul
    text goes through `lower()` at C speed."""
    ranges: list[list[int]] = []
    for o in range(0x80, 0x10000):
        if 0xAC00 <= o <= 0xD7A3 or 0x4E00 <= o <= 0x9FFF or 0xD800 <= o <= 0xDFFF:
            continue  # Hangul syllables and CJK ideographs fold to themselves; surrogates
        ch = chr(o)
        folded = _fold_char(ch)
        if len(folded) == 1 and folded.lower() == ch.lower():
            continue
        if ranges and ranges[-1][1] == o - 1:
            ranges[-1][1] = o
        else:
            ranges.append([o, o])
    body = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"([\t\x0b\x0c{body}\U00010000-\U0010ffff])")


class _FoldTable(dict[str, str]):
    """Character -> folded string, filled on first sight; indexed at C speed by map()."""

    def __missing__(self, ch: str) -> str:
        value = " " if ch in "\t\x0b\x0c" else _fold_char(ch)
        self[ch] = value
        return value


_FOLD = _FoldTable()


def normalize(text: str) -> Normalized:
    """Casefold, NFKC, fold accents, unify dashes, quotes and spaces; keep an offset map."""
    if text.isascii():
        return Normalized(text.translate(_ASCII_SPACES).lower(), None, len(text))
    parts = _special().split(text)
    if len(parts) == 1:
        return Normalized(text.lower(), None, len(text))
    specials = parts[1::2]
    parts[1::2] = map(_FOLD.__getitem__, specials)
    folded = "".join(parts).lower()
    changed = "".join(c for c in set(specials) if len(_FOLD[c]) != 1)
    if not changed:
        return Normalized(folded, None, len(text))
    breaks: list[tuple[int, int, bool]] = []
    delta = 0  # normalized index - original index, after the characters seen so far
    for m in _changed_pattern(changed).finditer(text):
        o = m.start()
        k = len(_FOLD[m.group()])
        if k > 1:
            breaks.append((o + delta, o, True))
        delta += k - 1
        breaks.append((o + 1 + delta, o + 1, False))
    return Normalized(folded, tuple(breaks), len(text))


@lru_cache(maxsize=1024)
def _changed_pattern(chars: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape("".join(sorted(chars))) + "]")


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
