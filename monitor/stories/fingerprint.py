"""Near-duplicate detection for syndicated copies: SimHash plus shingle containment.

A wire story republished elsewhere keeps most of its sentences but may lose its dateline
("SEOUL (AP) —"), get a rewritten first line or headline, and be trimmed at the end. Two
different reports of the same event share facts and names but few five-word runs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from monitor.text import strip_dateline

__all__ = [
    "COPY_CONTAINMENT",
    "COPY_SIMILARITY",
    "containment",
    "fingerprint",
    "hamming",
    "is_copy",
    "shingles",
    "similarity",
    "tokens",
]

#: Word n-gram length for both SimHash features and containment shingles.
SHINGLE = 4
#: A copy shares at least this share of the shorter text's shingles (see docs/stories.md).
COPY_CONTAINMENT = 0.5
#: SimHash similarity (1 - hamming/64) at or above which two bodies count as copies.
COPY_SIMILARITY = 0.75

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_MASK = (1 << 64) - 1


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (any script), NFKC-normalized, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=65536)
def _hash64(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")


def _features(text: str) -> list[str]:
    words = tokens(strip_dateline(text))  # so SEOUL (AP) — and SEOUL: copies align
    if len(words) < SHINGLE:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]


def shingles(text: str) -> frozenset[int]:
    """The set of hashed word 4-grams of a body (dateline removed): containment's input."""
    return frozenset(_hash64(f) for f in _features(text))


def _to_signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def fingerprint(text: str) -> int:
    """64-bit SimHash of the body's word 4-grams, as a signed int (fits a BIGINT column)."""
    counts = [0] * 64
    for h in {_hash64(f) for f in _features(text)}:
        for bit in range(64):
            counts[bit] += 1 if (h >> bit) & 1 else -1
    value = 0
    for bit in range(64):
        if counts[bit] > 0:
            value |= 1 << bit
    return _to_signed(value)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints (signed or unsigned)."""
    return ((a & _MASK) ^ (b & _MASK)).bit_count()


def similarity(a: int, b: int) -> float:
    """SimHash similarity in [0, 1]: 1 - hamming/64; unrelated texts sit near 0.5."""
    return 1.0 - hamming(a, b) / 64.0


def containment(a: str | Iterable[int], b: str | Iterable[int]) -> float:
    """Share of the smaller text's shingles found in the other: robust to trims and edits."""
    sa = shingles(a) if isinstance(a, str) else frozenset(a)
    sb = shingles(b) if isinstance(b, str) else frozenset(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def is_copy(a_text: str, b_text: str) -> bool:
    """True when one body is a near-verbatim republication of the other."""
    sa, sb = shingles(a_text), shingles(b_text)
    if min(len(sa), len(sb)) < 8:
        return bool(sa) and sa == sb
    return containment(sa, sb) >= COPY_CONTAINMENT
