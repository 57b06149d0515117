"""Match one article's title and body against compiled watchlists, and explain the result.

Rules, per watchlist: a keyword occurrence counts when no exclusion covers it and a
context term sits in the same sentence (or within N words), unless the keyword needs no
context; a target person counts when named; a context person counts only next to a
counted keyword. The score sums the best weight of each distinct term and person (title
matches weigh `title_factor` more); a hit needs the threshold and a keyword or a target.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from monitor.match.model import (
    ANCHOR,
    CONTEXT,
    CONTEXT_PERSON,
    EXCLUSION,
    KEYWORD,
    TARGET,
    CompiledWatchlist,
    CompileStats,
    Entry,
    Field,
    Hit,
    Match,
    MatchReport,
    Miss,
)
from monitor.match.normalize import Normalized, char_class, normalize
from monitor.match.sentences import sentence_starts, snippet

MAX_MISSES_PER_WATCHLIST = 20
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One pattern found at a word boundary of a field (normalized offsets)."""

    entry: Entry
    field: Field
    start: int
    end: int


@dataclass(slots=True)
class _Field:
    """One field's text, its normalized form, and lazily computed sentence starts."""

    name: Field
    original: str
    norm: Normalized
    _starts: list[int] | None = None

    def sentence(self, pos: int) -> int:
        if self._starts is None:
            self._starts = sentence_starts(self.norm.text)
        return bisect_right(self._starts, pos)

    def lead_end(self, n: int) -> int:
        """Where the first n non-blank sentences end (blank lines between paragraphs skipped)."""
        if self._starts is None:
            self._starts = sentence_starts(self.norm.text)
        text = self.norm.text
        edges = [0, *self._starts, len(text)]
        seen = 0
        for lo, hi in pairwise(edges):
            if text[lo:hi].strip():
                seen += 1
                if seen >= n:
                    return hi
        return len(text)

    def bounds(self, pos: int) -> tuple[int, int]:
        """[start, end) of the sentence holding normalized offset pos."""
        k = self.sentence(pos)
        assert self._starts is not None
        lo = self._starts[k - 1] if k > 0 else 0
        hi = self._starts[k] if k < len(self._starts) else len(self.norm.text)
        return lo, hi

    def words_between(self, a: Occurrence, b: Occurrence) -> int:
        lo, hi = (a, b) if a.start <= b.start else (b, a)
        if hi.start <= lo.end:
            return 0
        return len(_WORD.findall(self.norm.text, lo.end, hi.start))

    def text(self, occ: Occurrence) -> str:
        s, e = self.norm.span(occ.start, occ.end)
        return self.original[s:e]

    def where(self, occ: Occurrence) -> tuple[int, int, str]:
        s, e = self.norm.span(occ.start, occ.end)
        return s, e, snippet(self.original, s, e)


class Matcher:
    """Compiled watchlists: call `match(title, body)` for each article. Thread-safe."""

    def __init__(self, automaton: Any, watchlists: list[CompiledWatchlist], stats: CompileStats):
        self._automaton = automaton
        self.watchlists = watchlists
        self.stats = stats

    @property
    def ids(self) -> list[str]:
        return [w.id for w in self.watchlists]

    def match(self, title: str, body: str, *, only: str | None = None) -> MatchReport:
        """Match the title and the extracted body (never page chrome) against every watchlist."""
        selected = {i for i, w in enumerate(self.watchlists) if only is None or w.id == only}
        if only is not None and not selected:
            raise KeyError(f"no watchlist {only!r} (known: {', '.join(self.ids) or 'none'})")
        fields = [
            _Field("title", title or "", normalize(title or "")),
            _Field("body", body or "", normalize(body or "")),
        ]
        found: dict[int, list[Occurrence]] = {i: [] for i in selected}
        for f in fields:
            for occ in self._scan(f, selected):
                found[occ.entry.watchlist].append(occ)
        by_name = {f.name: f for f in fields}
        report = MatchReport()
        for i in sorted(selected):
            _evaluate(self.watchlists[i], found[i], by_name, report)
        return report

    def _scan(self, f: _Field, selected: set[int]) -> Iterable[Occurrence]:
        """One pass of the automaton over a field; yields occurrences at word boundaries."""
        if self._automaton is None or not f.norm.text:
            return
        text = f.norm.text
        n = len(text)
        cls = _CLASS
        for last, (length, entries, (hangul_first, hangul_last)) in self._automaton.iter(text):
            if not entries:
                continue  # a path that only orders the root (compile.ROOT_ORDER)
            start = last - length + 1
            end = last + 1
            prev_cls = cls[text[start - 1]] if start > 0 else 0
            first_cls = 2 if hangul_first else cls[text[start]]
            if first_cls and first_cls != 2 and prev_cls == first_cls:
                continue  # inside a Latin or Han word: no entry starts here ("nk" in "think")
            next_cls = cls[text[end]] if end < n else 0
            last_cls = 2 if hangul_last else cls[text[last]]
            for entry in entries:
                if entry.watchlist not in selected:
                    continue
                strict_hangul = entry.is_person
                if first_cls and prev_cls == first_cls and (first_cls != 2 or strict_hangul):
                    continue
                occ_end = end
                if entry.prefix:
                    while occ_end < n and cls[text[occ_end]] == last_cls != 0:
                        occ_end += 1
                elif (
                    last_cls
                    and next_cls == last_cls
                    and (last_cls != 2 or strict_hangul)
                    and not (entry.is_person and last_cls == 1 and _glued(f, last, end))
                ):
                    continue
                yield Occurrence(entry, f.name, start, occ_end)


class _ClassTable(dict[str, int]):
    """Character -> `char_class`, filled on first sight: a lookup costs less than a call."""

    def __missing__(self, ch: str) -> int:
        value = self[ch] = char_class(ch)
        return value


_CLASS = _ClassTable()


def _glued(f: _Field, last: int, end: int) -> bool:
    """'Kim Jong UnThe statement': a lower-case name end glued to a capital (a lost space)."""
    a = f.original[f.norm.original(last)]
    b = f.original[f.norm.original(end)]
    return a.islower() and b.isupper()


def _covers(outer: Occurrence, inner: Occurrence) -> bool:
    return outer.field == inner.field and outer.start <= inner.start and inner.end <= outer.end


def _overlaps(a: Occurrence, b: Occurrence) -> bool:
    return a.field == b.field and a.start < b.end and b.start < a.end


def _keep_longest(occs: list[Occurrence]) -> list[Occurrence]:
    """Drop occurrences overlapped by a heavier or longer one (one text, one reading)."""
    ranked = sorted(
        occs,
        # an exact form beats a `term*` prefix over the same word ("defectors" vs defect*)
        key=lambda o: (-o.entry.weight, -(o.end - o.start), o.entry.prefix, o.field, o.start),
    )
    kept: list[Occurrence] = []
    for occ in ranked:
        if not any(_overlaps(occ, k) for k in kept):
            kept.append(occ)
    return sorted(kept, key=lambda o: (o.field != "title", o.start))


def _near(wl: CompiledWatchlist, fields: dict[Field, _Field], a: Occurrence, b: Occurrence) -> bool:
    """Same field, and same sentence (or within `window` words)."""
    if a.field != b.field:
        return False
    f = fields[a.field]
    if wl.window is None:
        return f.sentence(a.start) == f.sentence(b.start)
    return f.words_between(a, b) <= wl.window


def _phrases(
    wl: CompiledWatchlist, anchors: list[Occurrence], fields: dict[Field, _Field]
) -> list[Occurrence]:
    """Claim phrase families found in the sentences of their anchors, as keyword occurrences."""
    out: list[Occurrence] = []
    seen: set[tuple[Field, int, int, int]] = set()
    for a in anchors:
        phrase = wl.claims.phrases[int(a.entry.canonical)]
        f = fields[a.field]
        lo, _hi = f.bounds(a.start)
        span = phrase.find(f.norm.text, lo, a.end)
        if span is None or (a.field, phrase.index, *span) in seen:
            continue
        seen.add((a.field, phrase.index, *span))
        weight = wl.keyword_weight if phrase.weight is None else phrase.weight
        entry = Entry(
            a.entry.watchlist,
            KEYWORD,
            phrase.name,
            False,
            weight,
            phrase.needs_context,
            phrase=phrase.source,
            title_weight=phrase.title_weight,
        )
        out.append(Occurrence(entry, a.field, span[0], span[1]))
    return out


def _lead_context(
    contexts: list[Occurrence], fields: dict[Field, _Field], lead_sentences: int
) -> Occurrence | None:
    """A context term in the title or the body's first sentences: the article is about it."""
    if lead_sentences <= 0:
        return next((c for c in contexts if c.field == "title"), None)
    for c in contexts:
        if c.field == "title" or c.start < fields[c.field].lead_end(lead_sentences):
            return c
    return None


def _retract(
    accepted: list[_Accepted],
    retractions: list[tuple[Occurrence, str]],
    fields: dict[Field, _Field],
    miss: Any,
) -> list[_Accepted]:
    """Drop the claims that a later negation of their paragraph takes back ("speculation that
    the men sought asylum ... however, they showed no intention of defecting")."""
    kept = []
    for item in accepted:
        occ = item[0]
        text = fields[occ.field].norm.text
        para_end = text.find("\n", occ.start)
        para_end = len(text) if para_end == -1 else para_end
        by = next(
            (
                (n, word)
                for n, word in retractions
                if n.field == occ.field and occ.end <= n.start < para_end
            ),
            None,
        )
        if by is None:
            kept.append(item)
            continue
        n, word = by
        miss(
            "negated",
            occ,
            f"taken back later in its paragraph ({word!r}): {fields[n.field].text(n)!r}",
        )
    return kept


def _sentence_before(f: _Field, lo: int) -> tuple[int, int] | None:
    """The non-blank sentence before the one starting at lo (across a paragraph break)."""
    while lo > 0:
        prev_lo, prev_hi = f.bounds(lo - 1)
        if f.norm.text[prev_lo:prev_hi].strip():
            return prev_lo, prev_hi
        lo = prev_lo
    return None


class _Kinds:
    """One watchlist's occurrences sorted by what they are (phrases found from anchors)."""

    def __init__(
        self, wl: CompiledWatchlist, occs: list[Occurrence], fields: dict[Field, _Field]
    ) -> None:
        self._wl, self._fields = wl, fields
        self.contexts = [o for o in occs if o.entry.kind == CONTEXT]
        keywords = [o for o in occs if o.entry.kind == KEYWORD]
        anchors = [o for o in occs if o.entry.kind == ANCHOR]
        if anchors and self.contexts:
            keywords += _phrases(wl, anchors, fields)
        self.keywords = _keep_longest(keywords)
        self.exclusions = [o for o in occs if o.entry.kind == EXCLUSION]
        self.persons = _keep_longest([o for o in occs if o.entry.kind in (TARGET, CONTEXT_PERSON)])
        self._lead: list[Occurrence | None] = []
        self._has_subject: dict[Field, bool] = {}

    def carried(self, occ: Occurrence) -> Occurrence | None:
        """The watched subject of the sentence before occ's, when occ's sentence refers back
        to it with a pronoun (claims.carry_subjects, carry_pronouns); else None."""
        rules = self._wl.claims
        if rules.carry_subjects is None:
            return None
        f = self._fields[occ.field]
        if occ.field not in self._has_subject:  # one search per field, on first need
            self._has_subject[occ.field] = rules.carry_subjects.search(f.norm.text) is not None
        if not self._has_subject[occ.field]:
            return None
        lo, hi = f.bounds(occ.start)
        before = _sentence_before(f, lo)
        if before is None:
            return None
        span = rules.carried_subject(f.norm.text, before, lo, hi)
        if span is None:
            return None
        return Occurrence(Entry(occ.entry.watchlist, CONTEXT, "subject"), occ.field, *span)

    def lead(self) -> Occurrence | None:
        """The context term of the title or lead, computed on first need (sentences cost)."""
        if not self._lead:
            rules = self._wl.claims
            found = None
            if rules.article_context:
                found = _lead_context(self.contexts, self._fields, rules.lead_sentences)
            self._lead.append(found)
        return self._lead[0]


class _Evidence:
    """What one watchlist gathers from an article: matches, misses, negated weights."""

    def __init__(self, wl: CompiledWatchlist, fields: dict[Field, _Field]) -> None:
        self.wl = wl
        self.fields = fields
        self.misses: list[Miss] = []
        self.matches: list[Match] = []
        self.best: dict[tuple[str, str], float] = {}  # (rule, term) -> its strongest weight
        self.negated: dict[str, float] = {}  # term -> weight it counts against

    def miss(self, reason: Any, occ: Occurrence, detail: str | None = None) -> None:
        f = self.fields[occ.field]
        s, _e, snip = f.where(occ)
        self.misses.append(
            Miss(self.wl.id, reason, occ.entry.canonical, f.text(occ), occ.field, s, snip, detail)
        )

    def negate(self, occ: Occurrence, weight: float) -> None:
        """ "No intention of defecting": the term counts against the hit."""
        factor = self.wl.title_factor if occ.field == "title" else 1.0
        key = occ.entry.canonical
        self.negated[key] = max(self.negated.get(key, 0.0), weight * factor)

    def add(
        self,
        rule: Any,
        occ: Occurrence,
        weight: float,
        ctx: Occurrence | None = None,
        borrowed: str | None = None,
        status: str | None = None,
    ) -> None:
        f = self.fields[occ.field]
        if occ.field == "title":
            weight *= self.wl.title_factor
            if occ.entry.title_weight is not None:  # a headline phrase: who moves, where
                weight = max(weight, occ.entry.title_weight)
        s, e, snip = f.where(occ)
        context = self.fields[ctx.field].text(ctx) if ctx is not None else None
        self.matches.append(
            Match(
                rule,
                occ.entry.canonical,
                f.text(occ),
                occ.field,
                s,
                e,
                snip,
                weight,
                context,
                borrowed,
                occ.entry.phrase,
                status,
            )
        )
        key = (rule, occ.entry.canonical)
        self.best[key] = max(self.best.get(key, 0.0), weight)

    def total(self, rule: str) -> float:
        return sum(v for (r, _), v in self.best.items() if r == rule)


#: keyword, its context, where that came from if not its sentence, its weight there
_Accepted = tuple[Occurrence, Occurrence | None, str | None, float]
ARTICLE = "article"  # the title or the lead named the context
SENTENCE_BEFORE = "sentence-before"  # the sentence before named the subject it refers back to


def _accept_keywords(
    wl: CompiledWatchlist, kinds: _Kinds, fields: dict[Field, _Field], ev: _Evidence
) -> list[_Accepted]:
    """Step 2: keep each keyword no exclusion covers, with context, that no claim rule vetoes."""
    rules = wl.claims
    accepted: list[_Accepted] = []
    retractions: list[tuple[Occurrence, str]] = []
    other_sense = False  # a keyword means something else here (excluded, or a sense rule)
    for occ in kinds.keywords:
        veto = next((x for x in kinds.exclusions if _covers(x, occ)), None)
        if veto is not None:
            ev.miss("excluded", occ, f"covered by exclusion {veto.entry.canonical!r}")
            other_sense = True
            continue
        ctx = next(
            (c for c in kinds.contexts if not _overlaps(c, occ) and _near(wl, fields, occ, c)),
            None,
        )
        f = fields[occ.field]
        weight = occ.entry.weight
        late = occ.entry.late_weight
        if (
            late is not None
            and occ.field == "body"
            and occ.start >= f.lead_end(rules.lead_sentences)
        ):
            weight = late
        borrowed: str | None = None  # where the context came from, if not the sentence
        if ctx is None and occ.entry.needs_context:
            carried = kinds.carried(occ)
            if carried is None and (weight < wl.threshold or kinds.lead() is None):
                where = "sentence" if wl.window is None else f"{wl.window} words"
                ev.miss("no-context", occ, f"no context term in the same {where}")
                continue
            lo, hi = f.bounds(occ.start)
            foreign = rules.foreign_subject(f.norm.text, lo, hi)
            if foreign is not None:
                ev.miss("foreign-subject", occ, f"its sentence names {foreign!r}, no context term")
                continue
            if carried is not None:
                ctx, borrowed = carried, SENTENCE_BEFORE
            else:
                ctx, borrowed = kinds.lead(), ARTICLE
        lo, hi = f.bounds(occ.start)
        verdict = rules.judge(f.norm.text, lo, hi, occ.start, occ.end, reverse=occ.entry.reverse)
        if verdict is not None:
            ev.miss(verdict.reason, occ, verdict.detail())
            other_sense = other_sense or verdict.reason == "other-sense"
            # "no intention of defecting" counts against, unless said of others of a group
            others = verdict.reason == "negated" and rules.about_others(f.norm.text, lo, hi)
            if verdict.reason == "negated" and not others:
                ev.negate(occ, weight)
                contrast = rules.retracts(f.norm.text, lo, hi)
                if contrast is not None:
                    retractions.append((occ, contrast))
            continue
        accepted.append((occ, ctx, borrowed, weight))
    if retractions:
        accepted = _retract(accepted, retractions, fields, ev.miss)
    if other_sense:
        accepted = _one_sense(accepted, ev)
    return accepted


def _one_sense(accepted: list[_Accepted], ev: _Evidence) -> list[_Accepted]:
    """One sense per article: once a keyword means something else here ("defected to the
    opposition"), a later bare mention ("the defection") cannot borrow the article's context."""
    kept = []
    for item in accepted:
        occ, _ctx, borrowed, _weight = item
        if borrowed is not None:
            ev.miss("other-sense", occ, "the article uses the word in another sense")
            continue
        kept.append(item)
    return kept


def _weigh(
    wl: CompiledWatchlist,
    kinds: _Kinds,
    accepted: list[_Accepted],
    fields: dict[Field, _Field],
    ev: _Evidence,
) -> None:
    """Step 3: matches for accepted keywords, target people, and people near a keyword.

    A keyword that names people by a status ("Defector Thae") is marked with the status
    rule: it counts for the hit, but reports no act (stories/alerts.py reads the acts)."""
    rules = wl.claims
    for occ, ctx, borrowed, weight in accepted:
        status = None
        if rules.status:
            f = fields[occ.field]
            lo, hi = f.bounds(occ.start)
            verdict = rules.status_of(f.norm.text, lo, hi, occ.start, occ.end)
            status = verdict.detail() if verdict is not None else None
        ev.add("keyword", occ, weight, ctx, borrowed, status)
    for occ in kinds.persons:
        if occ.entry.kind == TARGET:
            ev.add("target-person", occ, occ.entry.weight)
        elif any(_near(wl, fields, occ, k) for k, _, _, _ in accepted):
            ev.add("context-person", occ, occ.entry.weight)


def _conclude(
    wl: CompiledWatchlist,
    people: list[str],
    accepted: list[_Accepted],
    ev: _Evidence,
    report: MatchReport,
) -> None:
    """Step 4: a hit when claims and targets reach the threshold; else say why not."""
    keyword_score = ev.total("keyword")
    target_score = ev.total("target-person")
    context_score = max((v for (r, _), v in ev.best.items() if r == "context-person"), default=0)
    # context people rank a hit but never make one: the claims and targets must reach it
    evidence = keyword_score + target_score - sum(ev.negated.values())
    score = evidence + context_score
    if evidence >= wl.threshold and (keyword_score > 0 or target_score > 0):
        targets = [p for p in people if wl.people.get(p) == "target"]
        terms = list(dict.fromkeys(m.term for m in ev.matches if m.rule == "keyword"))
        report.hits.append(
            Hit(
                wl.id,
                score,
                wl.threshold,
                tuple(people),
                tuple(targets),
                tuple(terms),
                tuple(ev.matches),
            )
        )
        return
    if score > 0:
        ev.misses.append(
            Miss(
                wl.id,
                "below-threshold",
                detail=f"claims and targets {evidence:g} < threshold {wl.threshold:g} "
                f"({', '.join(m.term for m in ev.matches)}"
                + (f"; negated: {', '.join(ev.negated)}" if ev.negated else "")
                + ")",
            )
        )
    if people and not accepted and target_score == 0:
        ev.misses.append(
            Miss(
                wl.id,
                "context-person-only",
                detail=f"named {', '.join(people)} but no keyword with context",
            )
        )


def _evaluate(
    wl: CompiledWatchlist,
    occs: list[Occurrence],
    fields: dict[Field, _Field],
    report: MatchReport,
) -> None:
    """Score one watchlist's occurrences; append its hit, misses and mentions to `report`."""
    kinds = _Kinds(wl, occs, fields)
    ev = _Evidence(wl, fields)
    accepted = _accept_keywords(wl, kinds, fields, ev)
    _weigh(wl, kinds, accepted, fields, ev)
    people = list(dict.fromkeys(o.entry.canonical for o in kinds.persons))
    if people:
        report.mentions[wl.id] = people
    _conclude(wl, people, accepted, ev, report)
    report.misses.extend(ev.misses[:MAX_MISSES_PER_WATCHLIST])
