"""Retention: old article bodies are dropped; hits, stories, alerts and deliveries stay.

The body is the only large column and the only one copied from third parties; what the
pipeline concluded from it (hits, stories, alerts) remains as the record of what happened.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from monitor.store import copies
from monitor.store.models import ArticleRow

log = logging.getLogger(__name__)


def drop_old_bodies(session: Session, now: datetime, keep: timedelta) -> int:
    """Set the body of articles discovered before `now - keep` to NULL; return how many."""
    cutoff = now - keep
    result = session.execute(
        update(ArticleRow)
        .where(ArticleRow.discovered_at < cutoff, ArticleRow.body.is_not(None))
        .values(body=None, feed_entry=None)
        .execution_options(synchronize_session=False)
    )
    count = int(result.rowcount)  # type: ignore[attr-defined]
    copies.forget_before(session, cutoff)  # without its body a posting cannot be checked
    if count:
        log.info("retention: dropped the bodies of %d articles discovered before %s", count, cutoff)
    return count
