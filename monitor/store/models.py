"""ORM tables (SQLAlchemy 2, typed). Every change here ships an Alembic migration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from monitor.clock import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Feed(Base):
    """A feed from config plus its polling state (the schedule lives here, not in memory)."""

    __tablename__ = "feeds"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)  # where the feed is fetched (a 301 updates it)
    config_url: Mapped[str] = mapped_column(Text)  # the URL config gave
    outlet: Mapped[str | None] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_polled_at: Mapped[datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(String(20))  # ok, not-modified, failed
    last_http_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_kind: Mapped[str | None] = mapped_column(String(40))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None] = mapped_column(index=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    last_new_article_at: Mapped[datetime | None]
    entries_seen: Mapped[int] = mapped_column(Integer, default=0)
    # entries of a huge feed still to take: the next pass skips this many newest ones
    backlog: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ArticleRow(Base):
    """One article, stored once however many feeds carry it (canonical URL is unique)."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_guid", "guid"), Index("ix_articles_feed", "feed_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str] = mapped_column(Text)
    guid: Mapped[str | None] = mapped_column(String(2048))
    feed_id: Mapped[str] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    outlet: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)  # None after retention dropped it
    body_length: Mapped[int] = mapped_column(Integer, default=0)
    author: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    date_source: Mapped[str] = mapped_column(String(16), default="none")
    extraction: Mapped[str] = mapped_column(String(20), default="page")
    extraction_error: Mapped[str | None] = mapped_column(Text)
    discovered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # what the feed said of the item (None before 0007 and after retention dropped the body)
    feed_entry: Mapped[dict[str, Any] | None] = mapped_column()


class HitRow(Base):
    """An article that a watchlist matched, with the explanation of why."""

    __tablename__ = "hits"
    __table_args__ = (
        UniqueConstraint("article_id", "watchlist", name="uq_hits_article_watchlist"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    watchlist: Mapped[str] = mapped_column(String(64), index=True)
    score: Mapped[float] = mapped_column(Float)
    people: Mapped[list[Any]] = mapped_column(default=list)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class StoryRow(Base):
    """Hit articles about one event, per watchlist, with what assignment needs to compare.

    `seq` grows with every change within a watchlist, so a worker's in-memory index of open
    stories syncs by reading only the rows changed since it last looked.
    """

    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_open", "watchlist", "last_seen"),
        Index("ix_stories_seq", "watchlist", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    watchlist: Mapped[str] = mapped_column(String(64))
    headline: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    origin_count: Mapped[int] = mapped_column(Integer, default=0)
    origins: Mapped[list[Any]] = mapped_column(default=list)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)  # only stale reports so far
    people: Mapped[list[Any]] = mapped_column(default=list)
    terms: Mapped[list[Any]] = mapped_column(default=list)  # event terms: role, place, count
    centroid: Mapped[list[Any]] = mapped_column(default=list)  # distinctive words
    prints: Mapped[list[Any]] = mapped_column(default=list)  # [[article id, fingerprint], ...]
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StoryArticleRow(Base):
    __tablename__ = "story_articles"
    __table_args__ = (UniqueConstraint("story_id", "article_id", name="uq_story_articles_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    copy_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    origins: Mapped[list[Any]] = mapped_column(default=list)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # why it joined (or opened) the story
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleCopyRow(Base):
    """An article in the copy index: when it counts for the window, its sample size, and the
    root original it copies (None: an original). See monitor/stories/copies.py."""

    __tablename__ = "article_copies"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(index=True)  # published, else discovered
    samples: Mapped[int] = mapped_column(Integer, default=0)
    copy_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    source_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    share: Mapped[float] = mapped_column(Float, default=0.0)  # containment with the source


class CopyPostingRow(Base):
    """One sampled shingle hash of an indexed body (hash first: the lookup key)."""

    __tablename__ = "copy_postings"

    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AlertRow(Base):
    """new / corroborated / confirmed; `key` makes a repeat impossible."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    origin_count: Mapped[int] = mapped_column(Integer, default=0)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DeliveryRow(Base):
    """The outbox: one row per (message, channel), sent by whichever worker claims it."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("channel", "dedupe_key", name="uq_deliveries_channel_key"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_channel_status", "channel", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(100))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # alert, digest
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    # pending, sent, failed; held (quiet hours / daily cap: waits for the channel's next
    # digest), folded (that digest took it, see folded_into), skipped (an empty digest slot),
    # unsure (maybe sent before a crash; the channel holds such rows for an operator)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    folded_into: Mapped[int | None] = mapped_column(Integer)  # the digest delivery that took it
    # set just before a send starts, cleared when it ends: a row found with it set after its
    # worker died may have been accepted by the channel ("maybe sent")
    sending_at: Mapped[datetime | None]
    failed_scope: Mapped[str | None] = mapped_column(String(20))  # message, or channel (legacy)


class FeedbackRow(Base):
    """An analyst's correction of an article or a story (the desk, monitor/web/).

    Never deleted: withdrawing one sets `revoked_at`, so who said what, and when, stays on
    record; `monitor feedback export` reads the ones in force.
    """

    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_article", "article_id"),
        Index("ix_feedback_story", "story_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # not-relevant, relevant, belongs-to, not-same-story, copy-of, not-a-copy
    label: Mapped[str] = mapped_column(String(20))
    watchlist: Mapped[str | None] = mapped_column(String(64))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"))
    # belongs-to: the story it belongs to; copy-of: the article it copies
    other_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(100))


#: What migrations build with raw SQL and no model describes: the full-text index (0006; an
#: FTS5 table and its shadow tables on SQLite; on PostgreSQL a generated tsvector column and
#: its GIN index).
#: Schema comparisons (autogenerate, tests/test_storage.py) leave these names alone.
NOT_MODELLED = frozenset(
    {
        "articles_fts",
        "articles_fts_data",
        "articles_fts_idx",
        "articles_fts_docsize",
        "articles_fts_config",
        "ix_articles_fts",
        "search_vector",
    }
)


def modelled(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's `include_object`: everything except NOT_MODELLED."""
    return name not in NOT_MODELLED
