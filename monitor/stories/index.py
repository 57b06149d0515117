"""An in-memory inverted index of open stories, so assignment looks only at plausible ones.

With thousands of open stories a linear scan costs milliseconds per hit; a candidate can
only join (or copy from) a story with which it shares a person, an event term or a
distinctive word, so those postings are all assignment needs to visit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from monitor.stories.model import StoryCandidate, StorySummary

__all__ = ["COMMON_MIN", "COMMON_SHARE", "StoryIndex"]

#: A word in more than this share of open stories (and more than COMMON_MIN) pools nothing.
COMMON_SHARE = 0.02
COMMON_MIN = 50


def _keys(story: StorySummary) -> set[str]:
    keys = {f"p:{p}" for p in story.people}
    keys.update(f"e:{t}" for t in story.event_terms)
    keys.update(f"w:{w}" for w in story.centroid)
    return keys


class StoryIndex(Sequence[StorySummary]):
    """Open stories by id plus postings (person, event term, word -> story ids)."""

    __slots__ = ("_order", "_postings", "_stories")

    def __init__(self, stories: Iterable[StorySummary] = ()) -> None:
        self._stories: dict[int, StorySummary] = {}
        self._postings: dict[str, set[int]] = {}
        self._order: list[int] | None = None
        for story in stories:
            self.put(story)

    def put(self, story: StorySummary) -> None:
        """Add a story, or replace it with its updated summary."""
        self.discard(story.story_id)
        self._stories[story.story_id] = story
        for key in _keys(story):
            self._postings.setdefault(key, set()).add(story.story_id)
        self._order = None

    def discard(self, story_id: int) -> None:
        """Forget a story (closed: outside every window)."""
        old = self._stories.pop(story_id, None)
        if old is None:
            return
        for key in _keys(old):
            ids = self._postings.get(key)
            if ids is not None:
                ids.discard(story_id)
                if not ids:
                    del self._postings[key]
        self._order = None

    def get(self, story_id: int) -> StorySummary | None:
        return self._stories.get(story_id)

    def related(
        self, candidate: StoryCandidate, *, terms: Iterable[str] | None = None
    ) -> tuple[dict[int, int], set[int]]:
        """(story id -> shared distinctive words, ids sharing a person or event term).

        A word found in more than COMMON_SHARE of the open stories (and in more than
        COMMON_MIN of them) brings no story into the pool: like a stop word, it tells
        nothing about the event; a pooled story's words are then counted exactly
        (`exact_words`). `terms`: the candidate's event terms that link (default: all);
        the caller knows the others cannot lift a story to its join score.
        """
        counts: dict[int, int] = {}
        post = self._postings
        common = max(COMMON_MIN, int(len(self._stories) * COMMON_SHARE))
        for word in candidate.tokens:
            ids = post.get(f"w:{word}", ())
            if len(ids) > common:
                continue
            for sid in ids:
                counts[sid] = counts.get(sid, 0) + 1
        linked: set[int] = set()
        events = candidate.event if terms is None else terms
        for key in (*(f"p:{p}" for p in candidate.people), *(f"e:{t}" for t in events)):
            linked.update(post.get(key, ()))
        for sid in linked:
            counts.setdefault(sid, 0)
        return counts, linked

    def _ids(self) -> list[int]:
        if self._order is None:
            self._order = sorted(self._stories)
        return self._order

    def __len__(self) -> int:
        return len(self._stories)

    def __iter__(self) -> Iterator[StorySummary]:
        return (self._stories[i] for i in self._ids())

    @overload
    def __getitem__(self, index: int) -> StorySummary: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[StorySummary]: ...
    def __getitem__(self, index: int | slice) -> StorySummary | Sequence[StorySummary]:
        if isinstance(index, slice):
            return [self._stories[i] for i in self._ids()[index]]
        return self._stories[self._ids()[index]]
