"""Copy detection for each stored article: read the index, decide, record (one transaction).

Every new body, hit or not, is compared with every body stored in `stories.copy_window`
through the database postings (monitor.store.copies), so a copy is found whatever story
its original is in, after restarts and across workers. The decision itself is pure
(monitor.stories.copies.best_copy). A candidate's signature comes from the caller's
`SignatureCache` when its body was seen recently, else from its stored body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.config.stories import StoriesConfig
from monitor.domain import Article
from monitor.store import copies as store
from monitor.stories.copies import (
    CopyMatch,
    Signature,
    SignatureCache,
    best_copy,
    estimate,
    signature,
)

__all__ = ["CopyResult", "detect_copy"]

#: Bodies checked exactly per new article (the most shared samples first).
CANDIDATES = 8
#: A candidate is checked exactly only when its sample estimate reaches this share.
ESTIMATE_FLOOR = 0.25


@dataclass(frozen=True, slots=True)
class CopyResult:
    """What the index said of a new body: what it copies, or which copy it displaced."""

    match: CopyMatch | None = None  # the root original it copies
    displaced: int | None = None  # a stored copy published after it: it is that one's original


def detect_copy(
    session: Session,
    article: Article,
    cfg: StoriesConfig,
    now: datetime,
    *,
    sig: Signature | None = None,
    cache: SignatureCache | None = None,
) -> CopyResult:
    """The stored article this one copies (pointing at the root), recorded in the index.

    When the new article was published before the body it matches, it is the original:
    it becomes the root of that family (`displaced` names the stored copy). `cache` keeps
    the new body's signature for its later copies and serves the candidates' (the answer
    is the same without it).
    """
    assert article.id is not None
    shingle = cache.signature if cache is not None else signature
    if sig is None:  # not computed in an extraction worker already
        sig = shingle(article.text or "")
    elif cache is not None:
        cache.add(sig)
    seen = article.published_at or article.discovered_at or now
    if not sig.usable:
        store.index_article(session, article.id, sig, seen_at=seen, root=None, source=None, share=0)
        return CopyResult()
    found = store.candidates(
        session,
        sig,
        since=seen - cfg.copy_window,
        exclude=article.id,
        min_shared=1 if len(sig.sample) < 8 else 2,
        limit=CANDIDATES * 2,
    )
    kept = [
        c
        for c in found
        if estimate(c.shared, len(sig.sample), c.samples) >= ESTIMATE_FLOOR and c.body
    ][:CANDIDATES]  # only these are shingled (or read from the cache)
    checked = [(c, shingle(c.body or "")) for c in kept]
    match = best_copy(
        sig, ((c.article_id, c.root, s) for c, s in checked), threshold=cfg.copy_containment
    )
    if match is None:
        store.index_article(session, article.id, sig, seen_at=seen, root=None, source=None, share=0)
        return CopyResult()
    source_seen = next(c.seen_at for c, _ in checked if c.article_id == match.source)
    if article.published_at is not None and seen < source_seen and match.root == match.source:
        # feeds are polled concurrently: the original may arrive after its copy
        store.index_article(session, article.id, sig, seen_at=seen, root=None, source=None, share=0)
        store.promote_root(session, match.root, article.id, match.containment)
        return CopyResult(displaced=match.root)
    store.index_article(
        session,
        article.id,
        sig,
        seen_at=seen,
        root=match.root,
        source=match.source,
        share=match.containment,
    )
    return CopyResult(match=match)
