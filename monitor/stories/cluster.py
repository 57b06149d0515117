"""Story assignment: join the most similar open story of the watchlist, or open one.

The score is a sum of explainable parts (docs/stories.md): shared people, shared event
terms (place, role, head count, date), the share of the candidate's headline/lead words
found in the story, minus penalties when both name places and none agree, when both date
the event to different days, and when both leads date the movement itself to different
days (two acts). A near-copy of an article in a story joins that story whatever the
score. Pure and deterministic: ties go to the story seen most recently, then to the lower
story id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor.config.stories import StoriesConfig
from monitor.stories.events import CORE, day_gap
from monitor.stories.gazetteer import GENERIC, NESTING, compatible
from monitor.stories.index import StoryIndex
from monitor.stories.model import Assignment, CopyOf, StoryCandidate, StorySummary
from monitor.stories.outlets import is_official

__all__ = ["add_to_story", "assign", "is_stale", "open_story", "score", "story_key"]

log = logging.getLogger(__name__)

PERSON = 1.5  # per shared subject person (at most two count)
PLACE = 1.0  # per shared place tag (at most two count)
NESTED = 0.5  # per place inside a place the story names (Goseong, the eastern front)
ROLE = 0.5  # per shared role tag (at most two count)
DETAIL = 0.5  # per shared detail (wetsuit, warning shots; at most two count)
COUNT = 1.0  # same head count ("13 workers")
DATE = 1.0  # same event date (with a shared place: the same event)
WORDS = 3.0  # times the share of the candidate's distinctive words found in the story
PLACE_CONFLICT = 1.5  # both name specific places in their cores, none compatible
DATE_CONFLICT = 0.5  # both date the event in their cores, more than a day apart (weak:
# a follow-up dates its own news, so this only tips a close call)
ACT_CONFLICT = 2.0  # both leads date the movement itself to days apart: two acts (with
# DATE_CONFLICT it cancels what two crossings at one sector share by definition: the
# sector, the MDL, the role)
NEAR = 0.5  # published within a day of the story, and a place or person in common
NEAR_TIME = timedelta(days=1)
_CAPS = {"place": 2, "role:": 2, "detai": 2}


def is_stale(candidate: StoryCandidate, cfg: StoriesConfig) -> bool:
    """Published long before it was discovered: stored and grouped, never `new` news."""
    published = candidate.published_at
    return published is not None and candidate.discovered_at - published > cfg.stale_after


def story_key(candidate: StoryCandidate) -> str:
    """A stable key for a story opened by this candidate (same input, same key)."""
    return f"{candidate.watchlist}-{candidate.time:%Y%m%d}-{candidate.article_id}"


def _core(terms: frozenset[str], weights: Mapping[str, float], kind: str) -> list[str]:
    return [t for t in terms if t.startswith(kind) and weights.get(t, CORE) >= CORE]


@dataclass(frozen=True)
class _Own:
    """What the conflicts read of the candidate, computed once per assignment."""

    places: tuple[str, ...]  # specific (not generic) places of its core
    named: tuple[str, ...]  # every place it names, at any weight
    dates: tuple[str, ...]  # dates of its core
    acts: tuple[str, ...]  # the days its lead gives the movement itself

    @classmethod
    def of(cls, candidate: StoryCandidate) -> _Own:
        core, weights = candidate.event, candidate.weights
        return cls(
            places=tuple(t for t in _core(core, weights, "place:") if t not in GENERIC),
            named=tuple(t for t in core if t.startswith("place:")),
            dates=tuple(_core(core, weights, "date:")),
            acts=tuple("date:" + t[4:] for t in core if t.startswith("act:")),
        )


def _place_conflict(own: _Own, story: StorySummary, same_day: bool) -> bool:
    """Both name specific places in their cores and none of them can be the same spot.

    When both date the act to the same day (`same_day`), a core place of one that the
    other names anywhere (a late paragraph) is a place in common, not a conflict: the same
    day and the same place are one event. Without that day a late mention does not count,
    since a report of one crossing often recalls another crossing elsewhere days before.
    """
    if not own.places:
        return False
    theirs = [t for t in _core(story.event_terms, story.term_weights, "place:") if t not in GENERIC]
    if not theirs or any(compatible(a, b) for a in own.places for b in theirs):
        return False
    if not same_day:
        return True
    their_all = [t for t in story.event_terms if t.startswith("place:")]
    named = any(compatible(a, b) for a in own.places for b in their_all)
    return not (named or any(compatible(a, b) for a in own.named for b in theirs))


def _conflicts(
    own: _Own, story: StorySummary, people: frozenset[str]
) -> tuple[tuple[str, float], ...]:
    """(reason, penalty) for each way the two cannot be one event.

    Places: no core place in common. Dates: both cores date the event and no two dates
    are within a day (weak: a follow-up dates its own news). Acts: both leads date the
    movement itself (`act:` days) to days apart. A shared subject person lifts the two date
    conflicts.
    """
    their_dates = _core(story.event_terms, story.term_weights, "date:") if own.dates else []
    same_day = any(day_gap(a, b) <= 1 for a in own.dates for b in their_dates)
    out: list[tuple[str, float]] = []
    if _place_conflict(own, story, same_day):
        out.append(("places differ", PLACE_CONFLICT))
    if people:
        return tuple(out)
    if own.dates and their_dates and not same_day:
        out.append(("dates differ", DATE_CONFLICT))
    if own.acts:
        their_acts = ["date:" + t[4:] for t in story.event_terms if t.startswith("act:")]
        if their_acts and not any(day_gap(a, b) <= 1 for a in own.acts for b in their_acts):
            out.append(("acts differ", ACT_CONFLICT))
    return tuple(out)


def _points(
    candidate: StoryCandidate, story: StorySummary, words: int, own: _Own | None = None
) -> tuple[float, frozenset[str], frozenset[str], tuple[str, ...]]:
    """(score, shared people, shared event terms, conflicts) without the prose."""
    people = candidate.people & story.people
    shared = candidate.event & story.event_terms
    total = PERSON * min(len(people), 2)
    by_kind: dict[str, list[float]] = {}
    for term in shared:
        w = min(candidate.weights.get(term, CORE), story.term_weights.get(term, CORE))
        by_kind.setdefault(term[:5], []).append(w)
    nested = [
        min(candidate.weights.get(a, CORE), story.term_weights.get(b, CORE))
        for a in candidate.event - shared
        if a[:5] == "place"
        for b in story.event_terms - shared
        if b[:5] == "place" and compatible(a, b)
    ]

    def best(kind: str) -> float:
        values = sorted(by_kind.get(kind, ()), reverse=True)
        return sum(values[: _CAPS.get(kind, 1)])

    places = best("place")
    total += PLACE * places + NESTED * sum(sorted(nested, reverse=True)[:1])
    total += ROLE * best("role:") + DETAIL * best("detai")
    total += COUNT * best("count") + DATE * best("date:")
    found = _conflicts(own or _Own.of(candidate), story, people)
    conflicts = [reason for reason, _ in found]
    total -= sum(penalty for _, penalty in found)
    if places or people:
        t = candidate.time
        if story.first_seen - NEAR_TIME <= t <= story.last_seen + NEAR_TIME:
            total += NEAR
    if candidate.tokens:
        total += WORDS * words / len(candidate.tokens)
    return round(total, 4), people, shared, tuple(conflicts)


def score(candidate: StoryCandidate, story: StorySummary) -> tuple[float, tuple[str, ...]]:
    """Similarity of a candidate to a story, with the reasons that produced it."""
    words = len(candidate.tokens & story.centroid)
    total, people, shared, conflict = _points(candidate, story, words)
    reasons: list[str] = []
    if people:
        reasons.append("people: " + ", ".join(sorted(people)))
    if shared:
        reasons.append("terms: " + ", ".join(sorted(shared)))
    reasons.extend(conflict)
    if words:
        reasons.append(f"words: {words}/{len(candidate.tokens)}")
    return total, tuple(reasons)


_COEF = {"place": PLACE, "role:": ROLE, "detai": DETAIL, "count": COUNT, "date:": DATE}


def _linking_terms(candidate: StoryCandidate, join_score: float) -> tuple[frozenset[str], float]:
    """(terms that pool stories, the most all other terms can add to a story's score).

    The heaviest terms link (a story sharing one is scored); the light rest (a late
    paragraph, a recalled past) are left out as long as everything they could add stays
    below `join_score`, so a story sharing only those cannot join and need not be visited.
    """
    ranked = sorted(
        candidate.event,
        key=lambda t: (-_COEF.get(t[:5], 0.0) * candidate.weights.get(t, CORE), t),
    )
    nested = [candidate.weights.get(t, CORE) for t in candidate.event if t in NESTING]
    fixed = NESTED * max(nested, default=0.0)  # a place inside one the story names: any story
    for cut in range(len(ranked) + 1):
        rest = ranked[cut:]
        by_kind: dict[str, list[float]] = {}
        for t in rest:
            by_kind.setdefault(t[:5], []).append(candidate.weights.get(t, CORE))
        bound = fixed + sum(
            _COEF.get(kind, 0.0) * sum(sorted(ws, reverse=True)[: _CAPS.get(kind, 1)])
            for kind, ws in by_kind.items()
        )
        bound += NEAR if "place" in by_kind else 0.0  # "within a day" needs a shared place
        if bound < join_score or cut == len(ranked):
            return frozenset(ranked[:cut]), bound
    raise AssertionError("unreachable")


#: The most that people and event terms can add (bounds the score before computing it).
_MAX_NON_WORDS = PERSON * 2 + PLACE * 2 + NESTED + ROLE * 2 + DETAIL * 2 + COUNT + DATE + NEAR


def assign(
    candidate: StoryCandidate,
    open_stories: Sequence[StorySummary],
    cfg: StoriesConfig,
    now: datetime,
    *,
    copy: CopyOf | None = None,
) -> Assignment:
    """Pick the story for a candidate among open stories (any order), or open a new one.

    `copy` says which stored article the candidate's body copies (the copy index found it
    among all recent bodies, stories.copies): the candidate joins that article's story
    whatever the score, as its copy; when that article is in no open story of this
    watchlist the candidate is placed by score and still records what it copies. Passing a
    `StoryIndex` visits only stories sharing a person, event term or word with the
    candidate: the same answer (a story sharing none scores at most 0), much faster.
    """
    t = candidate.published_at or candidate.discovered_at or now
    lo, hi = t - cfg.window, t + cfg.window
    n_tokens = len(candidate.tokens) or 1
    pool: list[tuple[StorySummary, int, bool]] = []
    via, rest = _linking_terms(candidate, cfg.join_score)
    if isinstance(open_stories, StoryIndex):
        counts, linked = open_stories.related(candidate, terms=via)
        for sid in counts:
            found = open_stories.get(sid)
            if found is not None:
                pool.append((found, len(candidate.tokens & found.centroid), sid in linked))
    else:
        for s in open_stories:
            words = len(candidate.tokens & s.centroid)
            link = not (candidate.people.isdisjoint(s.people) and via.isdisjoint(s.event_terms))
            pool.append((s, words, link))
    best: tuple[float, datetime, int] | None = None
    best_story: StorySummary | None = None
    own = _Own.of(candidate)
    for story, words, link in pool:
        if story.watchlist != candidate.watchlist:
            continue
        if (story.last_seen < lo or story.first_seen > hi) and candidate.people.isdisjoint(
            story.people
        ):
            continue  # outside the window, and no subject person to follow it across time
        share = words / n_tokens
        if WORDS * share + (_MAX_NON_WORDS if link else rest) < cfg.join_score:
            continue
        value = _points(candidate, story, words, own)[0]
        if value < cfg.join_score:
            continue
        rank = (value, story.last_seen, -story.story_id)
        if best is None or rank > best:
            best, best_story = rank, story
    copy_of = copy.article_id if copy is not None else None
    if copy is not None and copy.story_id is not None:
        home = _find(open_stories, copy.story_id)
        if home is not None and home.watchlist == candidate.watchlist:
            value, reasons = score(candidate, home)
            return Assignment(home.story_id, home.key, copy_of, value, (copy.reason, *reasons))
    if best_story is not None:
        value, reasons = score(candidate, best_story)
        if t > best_story.last_seen + cfg.window:
            reasons = ("follow-up", *reasons)  # a subject person's story, long after
        return Assignment(best_story.story_id, best_story.key, copy_of, value, reasons)
    return Assignment(None, story_key(candidate), copy_of, 0.0, ("new story",))


def _find(stories: Sequence[StorySummary], story_id: int) -> StorySummary | None:
    if isinstance(stories, StoryIndex):
        return stories.get(story_id)
    return next((s for s in stories if s.story_id == story_id), None)


def _origins(candidate: StoryCandidate, copy_of: int | None) -> frozenset[str]:
    return frozenset() if copy_of is not None else frozenset(candidate.origins)


def _confirmed(origins: frozenset[str], cfg: StoriesConfig) -> bool:
    return any(is_official(o, cfg.official_sources) for o in origins)


def open_story(
    candidate: StoryCandidate,
    assignment: Assignment,
    cfg: StoriesConfig,
    story_id: int,
) -> StorySummary:
    """The summary of the story a candidate opens (story_id from the database)."""
    origins = _origins(candidate, None)
    return StorySummary(
        story_id=story_id,
        key=assignment.story_key,
        watchlist=candidate.watchlist,
        headline=candidate.title,
        first_seen=candidate.time,
        last_seen=candidate.time,
        people=candidate.people,
        event_terms=candidate.event,
        term_weights={t: w for t, w in candidate.weights.items() if w < CORE},
        centroid=candidate.tokens,
        fingerprints=_prints(candidate),
        origins=origins,
        confirmed=_confirmed(origins, cfg),
        announced=not is_stale(candidate, cfg),
        articles=1,
    )


def _prints(candidate: StoryCandidate) -> tuple[tuple[int, int], ...]:
    if candidate.fingerprint is None:
        return ()
    return ((candidate.article_id, candidate.fingerprint),)


def add_to_story(
    story: StorySummary,
    candidate: StoryCandidate,
    assignment: Assignment,
    cfg: StoriesConfig,
    *,
    voices: frozenset[str] = frozenset(),
) -> StorySummary:
    """The story after a candidate joined it; a copy adds no origin and no new words.

    `voices` are the outlets whose own reports the story already holds: crediting one of
    them ("AP reported" when AP's report is in) is that agency through another site, no
    new independent origin.
    """
    if any(aid == candidate.article_id for aid, _ in story.fingerprints):
        return story  # replay of an article already in the story: nothing changes
    origins = story.origins | (_origins(candidate, assignment.copy_of) - voices)
    copy = assignment.copy_of is not None
    headline = story.headline
    if not copy and (candidate.time, candidate.title) < (story.first_seen, story.headline):
        headline = candidate.title  # the earliest original report's, whatever the arrival order
    return replace(
        story,
        headline=headline,
        first_seen=min(story.first_seen, candidate.time),
        last_seen=max(story.last_seen, candidate.time),
        people=story.people | candidate.people,
        event_terms=story.event_terms if copy else story.event_terms | candidate.event,
        term_weights=story.term_weights if copy else _merge_weights(story, candidate),
        centroid=story.centroid if copy else story.centroid | candidate.tokens,
        fingerprints=tuple(sorted({*story.fingerprints, *_prints(candidate)})),
        origins=origins,
        confirmed=story.confirmed or _confirmed(origins, cfg),
        announced=story.announced or not is_stale(candidate, cfg),
        articles=story.articles + 1,
    )


def _merge_weights(story: StorySummary, candidate: StoryCandidate) -> dict[str, float]:
    """Each term's heaviest weight among the story's reports (only those below 1 kept)."""
    merged: dict[str, float] = {}
    for term in story.event_terms | candidate.event:
        w = max(
            story.term_weights.get(term, CORE) if term in story.event_terms else 0.0,
            candidate.weights.get(term, 0.0),
        )
        if w < CORE:
            merged[term] = w
    return merged
