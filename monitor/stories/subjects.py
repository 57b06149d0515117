"""Who a story is about: subject people versus names recalled as background.

"Thae Yong-ho won a seat" makes Thae the subject; "the first diplomat to defect since Thae
Yong-ho in 2016" names him as background. Only subjects link reports into one story (and
across any time span); background names are shown apart. A person is a subject when named
in the headline, or in a lead sentence that does not recall the past, or in two or more
body sentences that do not recall the past. A bare year is no recall here ("fled in 2014"
is the subject's own story); "since", "like ... before him", "the first since" are. A
person the story is told by ("according to X, a lawmaker", "citing X") is its source,
not its subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.stories.events import CORE, body_spans, recalls_past

__all__ = ["Mention", "People", "split_people"]


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of a known person: canonical name, field, offset in that field."""

    person: str
    field: str  # "title" or "body"
    start: int
    end: int = -1  # end offset of the name as written (-1: unknown)


@dataclass(frozen=True, slots=True)
class People:
    subjects: frozenset[str]
    background: frozenset[str]


_SOURCE_BEFORE = re.compile(
    r"(?:according\s+to|citing|quoting|cited\s+by|quoted\s+by)\s+(?:[\w'’.-]+\s+){0,4}$",
    re.IGNORECASE,
)


def _speaks(text: str, m: Mention, start: int) -> bool:
    """The mention names whom the story is told by: "according to X", "citing X".

    "X said" is no such sign: a defector telling his own story is its subject.
    """
    return bool(_SOURCE_BEFORE.search(text[max(start, m.start - 60) : m.start]))


def split_people(text: str, mentions: Iterable[Mention]) -> People:
    """Subjects and background names among the mentioned people (pure; see module doc)."""
    spans = list(body_spans(text))
    lead: set[str] = set()
    plain: dict[str, set[int]] = {}  # sentences naming the person that do not recall the past
    named: set[str] = set()
    for m in mentions:
        named.add(m.person)
        if m.field == "title":
            lead.add(m.person)
            continue
        for a, b, position in spans:
            if a <= m.start < b:
                if recalls_past(text[a:b], years=False):
                    break  # recalled as background ("the first since X", "like X before him")
                if _speaks(text, m, a):
                    break  # a source of the story ("according to X", "X said"), not its subject
                plain.setdefault(m.person, set()).add(a)
                if position >= CORE:
                    lead.add(m.person)
                break
    subjects = lead | {p for p, where in plain.items() if len(where) >= 2}
    return People(frozenset(subjects), frozenset(named - subjects))
