"""Near-duplicate detection for syndicated copies: SimHash plus shingle containment.

A wire story republished elsewhere keeps most of its sentences but may lose its dateline
("SEOUL (AP) —"), get a rewritten first line or headline, and be trimmed at the end. Two
different reports of the same event share facts and names but few five-word runs.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from array import array
from collections.abc import Collection, Iterable
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


def _blake64(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")


# cached for `shingles`, whose callers compare one text with many; a fingerprint hashes each
# text once, and the cache's bookkeeping cost it more than the hashing (docs/performance.md)
_hash64 = lru_cache(maxsize=65536)(_blake64)


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
    return _to_signed(_simhash({_blake64(f) for f in _features(text)}))


# _BIT[b] maps a byte to its bit b (0 or 1), for bytes.translate
_BIT = tuple(bytes((value >> b) & 1 for value in range(256)) for b in range(8))


def _simhash(hashes: Collection[int]) -> int:
    """Bit i is set when more than half of the hashes have bit i set.

    Counted a byte column at a time (`bytes.translate` and `count` run in C): a loop over
    64 bits of every hash in Python cost 2.2 ms of a 3 ms fingerprint (docs/performance.md).
    """
    packed = array("Q", hashes)
    if sys.byteorder == "big":
        packed.byteswap()  # byte k of each hash holds its bits 8k to 8k + 7
    data = packed.tobytes()
    value = 0
    for k in range(8):
        column = data[k::8]
        for b in range(8):
            if 2 * column.translate(_BIT[b]).count(1) > len(hashes):
                value |= 1 << (8 * k + b)
    return value


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
