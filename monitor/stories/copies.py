"""Syndicated copies: the same agency text on another site, found among all recent bodies.

A reposting site keeps most of the agency's sentences but adds its own wrapping: a photo
caption before the dateline ("In this photo provided by ... (Yonhap via AP)"), a new or
relay dateline ("Seoul, Jul 16 (AP)"), a trailer ("Copyright 2024 The Associated Press.
All rights reserved ...", "auto-generated from a syndicated feed", "Reporting by ...;
Editing by ..."); it may cut the text to its first paragraphs or run a later writethru with
paragraphs added. `copy_text` removes the wrapping by class (captions, datelines, credit
and rights lines, feed notices), then the share of the SHORTER text's word 4-shingles found
in the other decides (containment: a cut copy still contains almost all of its own
shingles). Real copies share 0.53-0.98, unrelated reports of one event at most 0.36:
`COPY_CONTAINMENT` sits between (docs/stories.md has the calibration).

For speed the index keeps a consistent sample of each body's shingles (those whose hash is
0 modulo `SAMPLE_MOD`): the sample of the intersection is the intersection of the samples,
so shared samples estimate containment, and only bodies sharing enough of them are checked
exactly. `CopyIndex` is the in-memory form; `monitor.store.copies` keeps the same postings in
the database, so every worker and every restart sees them. `SignatureCache` keeps the
signatures of recently seen bodies, so a candidate's stored body is not shingled again.

A signature holds its hashes packed (sorted `array('q')`, 8 bytes each): it is pickled back
from an extraction worker with every article and kept in the cache, where a frozenset of
Python ints would take eight times the memory and forty times the pickling.
"""

from __future__ import annotations

import hashlib
import re
import sys
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.stories.fingerprint import tokens
from monitor.text import paragraphs, read_dateline, strip_dateline

__all__ = [
    "COPY_CONTAINMENT",
    "MIN_SHINGLES",
    "SAMPLE_MOD",
    "CopyIndex",
    "CopyMatch",
    "Signature",
    "SignatureCache",
    "best_copy",
    "body_key",
    "containment",
    "copy_text",
    "signature",
]

#: A copy shares at least this share of the shorter text's shingles with its source.
COPY_CONTAINMENT = 0.45
#: Shingles (word 4-grams) of the cleaned body.
SHINGLE = 4
#: A shingle is in the sample when its hash is 0 modulo this (about 1 in 8 kept).
SAMPLE_MOD = 8
#: Bodies with fewer shingles than this are too short to call anything a copy of them.
MIN_SHINGLES = 12
#: Candidates from the postings are checked exactly when their estimate reaches this.
_ESTIMATE_FLOOR = 0.25

# --- wrapping, by class -------------------------------------------------------------------

#: a photo or video caption: a credit in parentheses naming a photo or an agency "via" another
_CAPTION = re.compile(
    r"\((?:[^()]{0,60}\bvia\b[^()]{0,40}|[^()]{0,40}\b(?:photo|pool|file|handout|image|video)"
    r"\b[^()]{0,40})\)\s*$"
    r"|^(?:in\s+this\s+(?:undated\s+)?(?:photo|image|file\s+photo|picture|handout)"
    r"|this\s+(?:photo|image|picture)\s+(?:provided|released|taken|made|shows)"
    r"|(?:file\s+)?photo\s*[:|—–-]|image\s*[:|]|caption\s*[:|]|사진\s*[=:]|\[사진|<사진)",
    re.IGNORECASE,
)
#: rights, credits and feed notices: the reposting site's or the agency's own trailer
_TRAILER = re.compile(
    r"\bcopyright\b|©|\ball\s+rights\s+reserved\b"
    r"|\bmay\s+not\s+be\s+(?:published|reproduced|broadcast|rewritten|redistributed)"
    r"|\b(?:has|have)\s+not\s+been\s+edited\s+by\b|\bauto-?generated\s+from\b"
    r"|\bsyndicated\s+(?:feed|content|news\s+feed)\b|\bpublished\s+from\s+a\s+(?:wire|syndicated)"
    r"|\bonly\s+the\s+headline\s+(?:has\s+been|was)\s+changed\b"
    r"|^\(?\s*(?:additional\s+)?(?:reporting|writing|editing)\s+by\b"
    r"|\bcontributed\s+to\s+this\s+(?:report|story)\b"
    r"|^(?:follow|read\s+more|related|click\s+here|sign\s+up|subscribe)\b"
    r"|무단\s*전재|재배포\s*금지|저작권자",
    re.IGNORECASE,
)
_WORDS_MAX_TRAILER = 40  # a longer paragraph that mentions copyright is reporting, not a trailer


def copy_text(text: str) -> str:
    """The body without its wrapping: captions, datelines, credit, rights and feed lines.

    A paragraph before the first dateline is a caption or a kicker when a dateline follows
    (the agency text starts at its dateline); any paragraph shaped like a caption or a
    trailer goes wherever it stands.
    """
    paras = [s for p in paragraphs(text) if (s := p.group(0).strip())]
    first = next((i for i, p in enumerate(paras) if read_dateline(p)), None)
    if first is not None:
        paras = paras[first:]
    kept = []
    for para in paras:
        para = strip_dateline(para)
        short = len(para.split()) <= _WORDS_MAX_TRAILER
        if short and (_CAPTION.search(para) or _TRAILER.search(para)):
            continue
        kept.append(para)
    return "\n".join(kept)


# --- shingles and their sample ------------------------------------------------------------


def body_key(text: str) -> bytes:
    """A digest of the body: the signature cache's key (a signature is a function of it)."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class Signature:
    """What the copy index needs of one body: all its shingles, their sample, the body's key.

    Both hash sequences are sorted and distinct, packed as signed 64-bit integers.
    """

    shingles: array[int]
    sample: array[int]
    key: bytes  # `body_key` of the body it was computed from

    @property
    def usable(self) -> bool:
        """Long enough to compare: a three-line brief is no evidence of copying."""
        return len(self.shingles) >= MIN_SHINGLES

    @property
    def nbytes(self) -> int:
        """The memory it holds, with its entry in a cache (the cache's budget counts this)."""
        return sys.getsizeof(self.shingles) + sys.getsizeof(self.sample) + _SIGNATURE_OVERHEAD


#: Bytes besides the two arrays: the object (56), its key (49), a cache's dict slots and
#: order link (the rest; 600 entries measured with tracemalloc: 390 a signature in all).
_SIGNATURE_OVERHEAD = 400


def signature(text: str) -> Signature:
    """The shingles of the cleaned body (`copy_text`) and their consistent sample.

    A shingle's hash is the first 8 bytes of its BLAKE2b digest read as a signed big-endian
    integer: stable across processes and versions (the database keeps them), and it fits a
    BIGINT. It runs for every shingle of every new body, in the extraction worker.
    """
    return _signature(text, body_key(text))


def _signature(text: str, key: bytes) -> Signature:
    words = tokens(copy_text(text))
    grams = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    blake2b, read = hashlib.blake2b, int.from_bytes
    hashed = sorted(
        {read(blake2b(g.encode(), digest_size=8).digest(), "big", signed=True) for g in grams}
    )
    return Signature(
        array("q", hashed), array("q", [h for h in hashed if h % SAMPLE_MOD == 0]), key
    )


def containment(a: Signature, b: Signature) -> float:
    """Share of the shorter body's shingles found in the other."""
    if not a.shingles or not b.shingles:
        return 0.0
    return _shared(set(a.shingles), b) / min(len(a.shingles), len(b.shingles))


def _shared(mine: set[int], other: Signature) -> int:
    """How many of `other`'s shingles are in `mine` (the packed hashes read once)."""
    return len(mine.intersection(other.shingles))


def estimate(shared: int, sample_a: int, sample_b: int) -> float:
    """Containment estimated from shared samples and the two sample sizes."""
    smaller = min(sample_a, sample_b)
    return shared / smaller if smaller else 0.0


@dataclass(frozen=True, slots=True)
class CopyMatch:
    """The stored body a new one copies: its id, the root it copies, the measured share."""

    source: int
    root: int  # the source's own original when the source is itself a copy
    containment: float

    def reason(self) -> str:
        return f"copy of {self.source}: {self.containment:.2f} of the shorter text's shingles"


def best_copy(
    sig: Signature,
    candidates: Iterable[tuple[int, int | None, Signature]],
    threshold: float = COPY_CONTAINMENT,
) -> CopyMatch | None:
    """The candidate (id, its root or None, signature) this body copies most, if any.

    Ties go to the lower id (the earlier stored), so the same input gives the same answer.
    """
    if not sig.usable:
        return None
    best: tuple[float, int, int] | None = None
    mine: set[int] | None = None  # the new body's hashes as a set, built once for all
    for cid, root, other in candidates:
        if not other.usable:
            continue
        if mine is None:
            mine = set(sig.shingles)
        share = _shared(mine, other) / min(len(sig.shingles), len(other.shingles))
        if share >= threshold and (best is None or (share, -cid) > (best[0], -best[1])):
            best = (share, cid, root if root is not None else cid)
    if best is None:
        return None
    return CopyMatch(best[1], best[2], round(best[0], 4))


class CopyIndex:
    """Sampled-shingle postings of bodies in memory (the database keeps the same postings).

    `find` looks only at bodies that share samples with the new one, then measures them
    exactly; `add` records a body with the root it copies (None for an original).
    """

    __slots__ = ("_postings", "_roots", "_sigs")

    def __init__(self) -> None:
        self._postings: dict[int, list[int]] = {}
        self._sigs: dict[int, Signature] = {}
        self._roots: dict[int, int | None] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def add(self, article_id: int, sig: Signature, root: int | None = None) -> None:
        if article_id in self._sigs or not sig.usable:
            return
        self._sigs[article_id] = sig
        self._roots[article_id] = root
        for h in sig.sample:
            self._postings.setdefault(h, []).append(article_id)

    def candidates(self, sig: Signature, exclude: int | None = None) -> list[int]:
        """Ids whose sample estimate reaches the floor, most shared first."""
        counts: dict[int, int] = {}
        for h in sig.sample:
            for aid in self._postings.get(h, ()):
                counts[aid] = counts.get(aid, 0) + 1
        out = []
        for aid, shared in counts.items():
            if aid == exclude:
                continue
            if estimate(shared, len(sig.sample), len(self._sigs[aid].sample)) >= _ESTIMATE_FLOOR:
                out.append(aid)
        return sorted(out, key=lambda a: (-counts[a], a))

    def find(self, sig: Signature, exclude: int | None = None) -> CopyMatch | None:
        ids: Sequence[int] = self.candidates(sig, exclude)
        return best_copy(sig, ((a, self._roots[a], self._sigs[a]) for a in ids))


class SignatureCache:
    """Signatures of recently seen bodies, by `body_key`: the least recently used go first.

    Copy detection checks up to 8 stored bodies exactly for each new one; shingling each
    stored body again costs more than all the rest of its check. Keyed by the body's digest,
    not by article id: an id whose body changed, or came back for another body after a
    rolled-back insert (SQLite reuses the highest rowid), cannot be served a signature of
    another text, and identical bodies share one entry. Bounded by entries and by bytes
    (`Signature.nbytes`), whichever is reached first: at most `max_bytes` whatever the
    bodies' lengths. For one thread (the poller's, or a command's).
    """

    __slots__ = ("_bytes", "_entries", "hits", "max_bytes", "max_entries", "misses")

    def __init__(self, max_entries: int = 1024, max_bytes: int = 8 << 20) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[bytes, Signature] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        """Bytes the cached signatures hold (by `Signature.nbytes`), at most `max_bytes`."""
        return self._bytes

    def signature(self, text: str) -> Signature:
        """`signature(text)`, from the cache when this body was seen recently."""
        key = body_key(text)
        sig = self._entries.get(key)
        if sig is not None:
            self.hits += 1
            self._entries.move_to_end(key)
            return sig
        self.misses += 1
        sig = _signature(text, key)  # the key is the body's digest: not computed twice
        self.add(sig)
        return sig

    def add(self, sig: Signature) -> None:
        """Keep a signature computed elsewhere (an extraction worker's, for the new body)."""
        if sig.key in self._entries:
            self._entries.move_to_end(sig.key)
            return
        size = sig.nbytes
        if size > self.max_bytes or self.max_entries < 1:
            return
        self._entries[sig.key] = sig
        self._bytes += size
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, old = self._entries.popitem(last=False)
            self._bytes -= old.nbytes
