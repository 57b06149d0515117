"""Pure: story records plus a channel's filters -> the Digest (or one alert) a reader gets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from monitor.config.models import EmailChannel, FileChannel, SlackChannel
from monitor.delivery.links import DeskLinks
from monitor.delivery.model import (
    ArticleLink,
    ArticleRecord,
    Digest,
    DigestSection,
    DigestStory,
    Evidence,
    FeedProblem,
    StoryRecord,
)
from monitor.domain import ALERT_KINDS, AlertKind

Channel = EmailChannel | SlackChannel | FileChannel
SNIPPET_CHARS = 220
MAX_EVIDENCE = 3


def story_badge(story: StoryRecord) -> AlertKind:
    """Confirmed beats corroborated (two or more independent origins) beats new."""
    if story.confirmed:
        return "confirmed"
    if story.origin_count >= 2:
        return "corroborated"
    return "new"


class Filtered(Protocol):
    """What a channel's filters look at: a stored story, or an alert just raised."""

    @property
    def watchlist(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def confirmed(self) -> bool: ...


def accepts(channel: Channel, story: Filtered, kind: AlertKind) -> bool:
    """The channel's filters: watchlists, alert kinds, minimum score, confirmed-only."""
    if channel.watchlists and story.watchlist not in channel.watchlists:
        return False
    if kind not in channel.kinds:
        return False
    if story.score < channel.min_score:
        return False
    return not (channel.confirmed_only and not story.confirmed)


def safe_url(url: str) -> str | None:
    """Only http(s) URLs become links: a `javascript:` URL from a feed must never be one."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def _shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def evidence_label(rule: str, term: str, text: str) -> str:
    """What matched, in words: `keyword "defected"`, `person Thae Yong-ho`, never the
    watchlist's pattern syntax (`defect*`)."""
    shown = " ".join((text or term).split()) or term
    if rule.endswith("person"):
        kind = "person" if rule == "target-person" else "person named"
        return f"{kind} {term}"
    if rule in ("keyword", ""):
        return f'keyword "{shown}"'
    return f'{rule.replace("-", " ").replace("_", " ")} "{shown}"'


def _evidence(story: StoryRecord) -> tuple[Evidence, ...]:
    """One snippet per matched person or term, strongest matches first."""
    found: list[tuple[float, Evidence]] = []
    seen: set[str] = set()
    for hit in sorted(story.hits, key=lambda h: -h.score):
        matches = hit.explanation.get("matches")
        if not isinstance(matches, list):
            continue
        ranked = sorted(
            (m for m in matches if isinstance(m, dict)),
            key=lambda m: (m.get("rule") == "keyword", -float(m.get("weight") or 0)),
        )
        for m in ranked:
            term, snippet = str(m.get("term") or ""), str(m.get("snippet") or "")
            if not term or not snippet or term.casefold() in seen:
                continue
            seen.add(term.casefold())
            label = evidence_label(str(m.get("rule") or ""), term, str(m.get("text") or ""))
            found.append((float(m.get("weight") or 0), Evidence(term, _shorten(snippet), label)))
    return tuple(e for _, e in found[:MAX_EVIDENCE])


def _link(a: ArticleRecord, copies: Sequence[ArticleRecord] = ()) -> ArticleLink:
    return ArticleLink(
        title=a.title.strip() or a.url,
        url=safe_url(a.url),
        outlet=a.outlet,
        published_at=a.published_at,
        copies=tuple(_link(c) for c in copies),
    )


def _when(a: ArticleRecord) -> datetime:
    return a.published_at or a.discovered_at


def article_links(articles: Iterable[ArticleRecord]) -> tuple[ArticleLink, ...]:
    """Originals in publication order, each with its syndicated copies folded under it."""
    items = sorted(articles, key=lambda a: (_when(a), a.id))
    ids = {a.id for a in items}
    copies: dict[int, list[ArticleRecord]] = {}
    originals: list[ArticleRecord] = []
    for a in items:
        if a.copy_of is not None and a.copy_of in ids and a.copy_of != a.id:
            copies.setdefault(a.copy_of, []).append(a)
        else:
            originals.append(a)
    return tuple(_link(a, copies.get(a.id, ())) for a in originals)


def _lead(articles: Iterable[ArticleRecord]) -> str | None:
    """The lead sentence of the first report (an original, not a copy) that has one."""
    ordered = sorted(articles, key=lambda a: (a.copy_of is not None, _when(a), a.id))
    return next((a.lead for a in ordered if a.lead), None)


def build_story(
    story: StoryRecord, badge: AlertKind | None = None, *, desk: DeskLinks | None = None
) -> DigestStory:
    """What a reader sees of one story. "First seen" is when the service first saw a report
    (discovery); the publication time is shown apart, since a report can be found late."""
    # its people are its subjects; names recalled as background or context are shown apart
    people = story.people
    also = tuple(
        p for p in dict.fromkeys(p for h in story.hits for p in h.people) if p not in people
    )
    seen = min((a.discovered_at for a in story.articles), default=story.first_seen)
    published = min((a.published_at for a in story.articles if a.published_at), default=None)
    return DigestStory(
        key=story.key,
        watchlist=story.watchlist,
        headline=" ".join(story.headline.split()) or "(untitled story)",
        badge=badge or story_badge(story),
        first_seen=seen,
        last_seen=max((a.discovered_at for a in story.articles), default=story.last_seen),
        origins=story.origins,
        people=people,
        terms=story.terms,
        evidence=_evidence(story),
        articles=article_links(story.articles),
        stale=story.stale,
        score=story.score,
        lead=_lead(story.articles),
        first_published=published,
        also_named=also,
        desk_url=desk.story(story.id) if desk else None,
        feedback_url=desk.not_relevant(story.id, story.watchlist) if desk else None,
    )


def subject_line(counts: dict[str, int], watchlists: Sequence[str]) -> str:
    """'3 new, 2 corroborated stories: nk-defections'."""
    total = sum(counts.values())
    if not total:
        return "No new stories" + (f": {', '.join(watchlists)}" if watchlists else "")
    parts = [f"{counts[b]} {b}" for b in ALERT_KINDS if counts.get(b)]
    noun = "story" if total == 1 else "stories"
    return f"{', '.join(parts)} {noun}: {', '.join(watchlists)}"


def build_digest(
    channel: Channel,
    stories: Iterable[StoryRecord],
    *,
    since: datetime | None,
    until: datetime,
    feed_problems: Sequence[FeedProblem] = (),
    desk: DeskLinks | None = None,
) -> Digest:
    """The channel's digest: accepted stories grouped by watchlist, newest first.

    Feeds that keep failing are listed too: a quiet digest must not hide a broken source.
    """
    by_watchlist: dict[str, list[DigestStory]] = {}
    found_late: list[DigestStory] = []
    person_news: list[DigestStory] = []
    for record in stories:
        badge = story_badge(record)
        if not accepts(channel, record, badge):
            continue
        if record.stale:  # never announced: a short section, not among the news
            listing = person_news if record.person_news else found_late
            listing.append(build_story(record, badge, desk=desk))
            continue
        by_watchlist.setdefault(record.watchlist, []).append(build_story(record, badge, desk=desk))
    sections = tuple(
        DigestSection(w, tuple(sorted(items, key=lambda s: (s.last_seen, s.key), reverse=True)))
        for w, items in sorted(by_watchlist.items())
    )
    counts: dict[str, int] = dict(Counter(str(s.badge) for sec in sections for s in sec.stories))
    watchlists = [s.watchlist for s in sections] or list(channel.watchlists)
    subject = subject_line(counts, watchlists)
    brief = (
        [f"{len(found_late)} older {'report' if len(found_late) == 1 else 'reports'} found late"]
        if found_late
        else []
    )
    if person_news:
        n = len(person_news)
        brief.append(f"{n} {'report' if n == 1 else 'reports'} about known defectors")
    if brief:
        lists = watchlists or sorted({s.watchlist for s in (*found_late, *person_news)})
        tail = "; ".join(brief)
        subject = f"{tail}: {', '.join(lists)}" if not counts else f"{subject}; {tail}"
    found_late.sort(key=lambda s: (s.first_seen, s.key), reverse=True)
    person_news.sort(key=lambda s: (s.first_seen, s.key), reverse=True)
    return Digest(
        kind="digest",
        channel=channel.name,
        subject=subject,
        since=since,
        until=until,
        timezone=channel.timezone,
        sections=sections,
        counts=counts,
        feed_problems=tuple(feed_problems),
        found_late=tuple(found_late),
        person_news=tuple(person_news),
    )


def build_alert(
    channel: Channel,
    story: StoryRecord,
    kind: AlertKind,
    *,
    at: datetime,
    desk: DeskLinks | None = None,
) -> Digest:
    """One alert: the story as a one-story message whose badge is the alert's kind."""
    item = build_story(story, kind, desk=desk)
    verb = {"new": "New story", "corroborated": "Corroborated", "confirmed": "Confirmed"}[kind]
    subject = f"[{story.watchlist}] {verb}: {item.headline}"
    if kind != "new":
        subject += f" ({len(story.origins) or story.origin_count} independent origins)"
    return Digest(
        kind="alert",
        channel=channel.name,
        subject=subject,
        since=None,
        until=at,
        timezone=channel.timezone,
        sections=(DigestSection(story.watchlist, (item,)),),
        alert_kind=kind,
        counts={kind: 1},
    )
