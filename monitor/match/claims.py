"""Defection claims: does a keyword say that one of the watched people moved, and where to?

A keyword occurrence is evidence only when it makes a claim: its subject is one of the
watched people (a context term in its sentence, or an article about the watched country
whose sentence names no foreign subject), it is not negated ("showed no intention of
defecting"), the people it names are not only the sources of another story ("interviews
with defectors"), and the move does not go toward the watched country ("defected to the
North") unless the one moving is returning ("a defector who went back"). Phrase families
("asked to stay in South Korea", "wants to live in the South") make claims without a
keyword. Every rule is a pattern from the watchlist's `claims:` section, so a verdict
names the pattern that decided it. Pure: works on normalized text and offsets.

Pattern tokens (config/watchlists/*.yaml, `claims:`):
    KW            the keyword occurrence being judged (KW=defectors|탈북민*: only when it starts
                  with these words; lexicon names allowed)
    NAME          a lexicon family (claims.lexicon.NAME: [want*, wish*, asked])
    PERCENT       a share: 83.3%, 40 percent (surveys of a group)
    ,             a comma ("defectors , who ~6 , SAY": the defectors, who asked not to be
                  named, said); gaps never cross one
    word|word*    literal alternatives; `*` lets the word go on (asked*, 의사*)
    ~N            up to N words in between, inside one clause (no , ; : ( ) " and no
                  whether, if, but, although, though, because, unless)
Adjacent tokens are adjacent words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.config.watchlist import ClaimsConfig, pattern_tokens
from monitor.match.normalize import normalize_term

_SEP = r"[\s\"'\-]+"
# a gap stays inside one clause: no punctuation, no conjunction that opens another clause.
# A gap word is atomic (`(?>...)`): it takes its whole run of characters and never gives
# part of it back, so "~8 ," cannot try every way of cutting a long word into eight
# pieces (with the loose separator next to a comma, "a defector" and a 40-letter word took
# seconds, each letter more three times as long: text from feeds is untrusted).
_GAP_WORD = (
    r"(?!(?:whether|if|but|although|though|because|unless)(?!\w))"
    r"(?>\d{1,3}(?:,\d{3})+(?!\d)|[^\s,;:()\[\]\"]+)"  # 1,000 is one word
)
_GAP = re.compile(r"^~(\d+)$")
# how far from the keyword (or a phrase's anchor) a pattern may reach, in characters: keeps
# the regexes off the rest of a long sentence (a body with no full stops is one sentence)
REACH = 240
_LEXICON = re.compile(r"^[A-Z][A-Z0-9_]*$")
# the built-in token PERCENT: a share of a surveyed group (83.3%, 40 percent, 56.3%로)
_PERCENT = r"\d[\d.,]*\s?(?:%|percent(?!\w)|per cent(?!\w)|퍼센트)\w*"


# a foreign name as a place, not a subject: after a preposition, or with a Korean place ending
_PLACE_BEFORE = re.compile(
    r"(?<!\w)(?:in|to|into|from|at|for|via|through|toward|towards|across)\s+(?:the\s+)?\Z"
)
_BUILT_IN = ("PERCENT",)
_POSSESSIVE = re.compile(r"'s(?!\w)")
_PLACE_AFTER = re.compile(r"(?:으로|로|에서|에|행)\Z")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a keyword occurrence is not a claim: the reason and the pattern that decided."""

    reason: str  # negated | source | other-sense | reverse | status
    rule: str
    text: str  # what the pattern matched, as normalized

    def detail(self) -> str:
        return f"{self.rule!r} matched {self.text!r}"


@dataclass(frozen=True, slots=True)
class _Around:
    """A pattern around a KW slot: a part that ends where KW starts, a part after KW."""

    source: str
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    kw: re.Pattern[str] | None

    def find(self, text: str, lo: int, hi: int, start: int, word_end: int) -> str | None:
        """The matched text when the pattern fits around the keyword text[start:word_end]
        (its whole word, `keyword_word`) inside [lo, hi) (already cut to `REACH`). The
        anchored parts are tried first: a search of the part before costs the most."""
        if self.kw is not None and not self.kw.match(text, start, hi):
            return None
        last = word_end
        if self.after is not None:
            m = self.after.match(text, word_end, hi)
            if m is None:
                return None
            last = m.end()
        first = start
        if self.before is not None:
            m = self.before.search(text, lo, start)
            if m is None:
                return None
            first = m.start()
        return text[first:last]


_WORD_REST = re.compile(r"\w*")


def keyword_word(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int, int]:
    """The reach of the patterns around a keyword in sentence [lo, hi), and where its word
    ends: (lo, hi, word_end), computed once for every rule that judges it."""
    lo, hi = max(lo, start - REACH), min(hi, end + REACH)
    m = _WORD_REST.match(text, end, hi)
    return lo, hi, m.end() if m else end


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase family that claims on its own; found from its last token's words (anchors)."""

    index: int
    name: str
    source: str
    regex: re.Pattern[str]  # ends at \\Z: searched in the sentence up to an anchor's end
    anchors: tuple[tuple[str, bool], ...]  # (normalized term, is_prefix) for the automaton
    weight: float | None
    needs_context: bool
    title_weight: float | None = None

    def find(self, text: str, lo: int, anchor_end: int) -> tuple[int, int] | None:
        if _POSSESSIVE.match(text, anchor_end):  # "South Korea's capital" is no destination
            return None
        m = self.regex.search(text, max(lo, anchor_end - REACH), anchor_end)
        return (m.start(), anchor_end) if m else None


class ClaimRules:
    """One watchlist's compiled claim rules."""

    def __init__(self, cfg: ClaimsConfig) -> None:
        self.lexicon = {k: list(v) for k, v in cfg.lexicon.items()}
        self.negation = [self._around(p) for p in cfg.negation]
        self.sources = [self._around(p) for p in cfg.sources]
        self.senses = [self._around(p) for p in cfg.senses]
        self.reverse = [self._around(p) for p in cfg.reverse]
        self.status = [self._around(p) for p in cfg.status]
        self.returning = _terms(cfg.returning)
        self.foreign = _terms(cfg.foreign)
        self.retraction = _terms(cfg.retraction)
        self.others = _terms(cfg.others)
        self.carry_subjects = _terms(
            [alt for term in cfg.carry_subjects for alt in self._alternatives(term)]
        )
        self.carry_pronouns = _terms(cfg.carry_pronouns)
        self.article_context = cfg.article_context
        self.lead_sentences = cfg.lead_sentences
        self.phrases = [
            self._phrase(i, p.name, p.pattern, p.weight, p.needs_context, p.title_weight)
            for i, p in enumerate(cfg.phrases)
        ]

    # --- compilation ---------------------------------------------------------------

    def _alternatives(self, token: str) -> list[str]:
        out: list[str] = []
        for part in token.split("|"):
            if part in self.lexicon:
                out.extend(self.lexicon[part])
            else:
                out.append(part)
        return out

    def _token(self, token: str) -> str:
        if token == ",":
            return ","
        return _alternation(self._alternatives(token))

    def _sequence(self, tokens: Sequence[str]) -> tuple[str, int]:
        """Regex for the tokens; and the gap (~N) left dangling after the last one."""
        out = ""
        gap = 0
        previous = ""
        for t in tokens:
            m = _GAP.match(t)
            if m:
                gap = int(m.group(1))
                continue
            if out:
                out += _join(gap, loose="," in (previous, t))
            out += self._token(t)
            gap = 0
            previous = t
        return out, gap

    def _around(self, pattern: str) -> _Around:
        tokens = pattern_tokens(pattern)
        k = next(i for i, t in enumerate(tokens) if t == "KW" or t.startswith("KW="))
        kw_token = tokens[k]
        before_tokens, after_tokens = tokens[:k], tokens[k + 1 :]
        before = after = kw = None
        if before_tokens:
            body, gap = self._sequence(before_tokens)
            before = re.compile(body + _join(gap, loose=before_tokens[-1] == ",") + r"\Z")
        if after_tokens:
            lead = 0
            while after_tokens and _GAP.match(after_tokens[0]):
                lead = int(after_tokens[0][1:])
                after_tokens = after_tokens[1:]
            body, _ = self._sequence(after_tokens)
            after = re.compile(_join(lead, loose=after_tokens[0] == ",") + body)
        if kw_token.startswith("KW="):  # matched at the occurrence: no left boundary (북한이탈주민)
            kw = re.compile(_alternation(self._alternatives(kw_token[3:]), bounded=False))
        return _Around(pattern, before, after, kw)

    def _phrase(
        self,
        index: int,
        name: str,
        pattern: str,
        weight: float | None,
        needs_context: bool,
        title_weight: float | None = None,
    ) -> Phrase:
        tokens = pattern_tokens(pattern)
        body, _ = self._sequence(tokens)
        anchors = []
        for alt in self._alternatives(tokens[-1]):
            prefix = alt.endswith("*")
            term = normalize_term(alt.rstrip("*"))
            if term:
                anchors.append((term, prefix))
        return Phrase(
            index,
            name,
            pattern,
            re.compile(body + r"\Z"),
            tuple(anchors),
            weight,
            needs_context,
            title_weight,
        )

    # --- judging ---------------------------------------------------------------------

    def judge(
        self, text: str, lo: int, hi: int, start: int, end: int, *, reverse: bool = False
    ) -> Verdict | None:
        """None when text[start:end] (a keyword in sentence [lo, hi)) claims; else why not."""
        groups = (
            ("negated", self.negation),
            ("source", self.sources),
            ("other-sense", self.senses),
        )
        near_lo, near_hi, word_end = keyword_word(text, lo, hi, start, end)
        for reason, rules in groups:
            for rule in rules:
                found = rule.find(text, near_lo, near_hi, start, word_end)
                if found is not None:
                    return Verdict(reason, rule.source, found)
        turned: Verdict | None = None
        if reverse:
            turned = Verdict("reverse", "the keyword moves toward the watched country", "")
        else:
            for rule in self.reverse:
                found = rule.find(text, near_lo, near_hi, start, word_end)
                if found is not None:
                    turned = Verdict("reverse", rule.source, found)
                    break
        if turned is not None and self.returning is not None:
            for m in self.returning.finditer(text, lo, hi):
                if m.end() <= start or m.start() >= end:
                    return None  # the one going back is a defector: a claim
        return turned

    def status_of(self, text: str, lo: int, hi: int, start: int, end: int) -> Verdict | None:
        """The status pattern that fits an accepted keyword in sentence [lo, hi): it names
        people by what they once did ("Defector Thae", "North Koreans who have escaped"),
        not an act of the news; None when the keyword reports an act."""
        near_lo, near_hi, word_end = keyword_word(text, lo, hi, start, end)
        for rule in self.status:
            found = rule.find(text, near_lo, near_hi, start, word_end)
            if found is not None:
                return Verdict("status", rule.source, found)
        return None

    def retracts(self, text: str, lo: int, hi: int) -> str | None:
        """The contrast word when a negation in sentence [lo, hi) takes back earlier claims
        ("however, the three showed no intention of defecting"); None when it speaks of
        other people ("the other two")."""
        if self.retraction is None or self.about_others(text, lo, hi):
            return None
        m = self.retraction.search(text, lo, hi)
        return m.group() if m else None

    def about_others(self, text: str, lo: int, hi: int) -> bool:
        """The sentence [lo, hi) speaks of other people of a group ("the other two")."""
        return self.others is not None and self.others.search(text, lo, hi) is not None

    def carried_subject(
        self, text: str, before: tuple[int, int], lo: int, hi: int
    ) -> tuple[int, int] | None:
        """Where the sentence `before` names a watched subject that the sentence [lo, hi)
        refers back to with a pronoun ("A North Korean soldier crossed the line. Troops took
        him into custody"): the last such subject, or None."""
        if self.carry_subjects is None or self.carry_pronouns is None:
            return None
        if self.carry_pronouns.search(text, lo, hi) is None:
            return None
        last = None
        for m in self.carry_subjects.finditer(text, *before):
            last = m
        return last.span() if last else None

    def foreign_subject(self, text: str, lo: int, hi: int) -> str | None:
        """A foreign subject named in the sentence [lo, hi), if any: not a place one goes to
        or lives in ("lived in the U.S.", "우크라이나로 넘어와" are destinations)."""
        if self.foreign is None:
            return None
        for m in self.foreign.finditer(text, lo, hi):  # the whole sentence: the subject leads
            if _PLACE_BEFORE.search(text, max(lo, m.start() - 24), m.start()):
                continue
            if _PLACE_AFTER.search(m.group()):
                continue
            return m.group()
        return None


def _literal(alt: str) -> tuple[str, str]:
    """One alternative as (its first character, the rest), both as regex."""
    if alt == "PERCENT":
        return r"\d", _PERCENT[2:]
    prefix = alt.endswith("*")
    term = normalize_term(alt.rstrip("*"))
    body = r"\s+".join(re.escape(w) for w in term.split(" "))
    first = re.escape(term[0])
    # a whole word, not a possessive: "asylum to Pyongyang's envoy" does not go to Pyongyang
    return first, body[len(first) :] + (r"\w*" if prefix else r"(?!\w|'s(?!\w))")


def _alternation(alts: Iterable[str], *, bounded: bool = True) -> str:
    """The alternatives grouped by their first character, each group's boundary (no word
    character or period before it) checked after that character: `n(?<![\\w.]n)(?:o|ot)`.
    Branches that all start with a literal let `re` skip to the characters that can start
    one, and one branch per first character fails at once elsewhere; a leading assertion
    would forbid the skip (claim searches run 2-3x faster). Alternatives with different
    first characters never match at one place, so the grouping changes no match."""
    groups: dict[str, list[str]] = {}
    for a in alts:
        if a in _BUILT_IN or normalize_term(a.rstrip("*")):
            first, rest = _literal(a)
            groups.setdefault(first, []).append(rest)
    branches = []
    for first, rests in groups.items():
        guard = f"(?<![\\w.]{first})" if bounded else ""
        tail = rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"
        branches.append(first + guard + tail)
    return "(?:" + "|".join(branches) + ")"


def _join(gap: int, *, loose: bool = False) -> str:
    """Between two tokens: a separator, or up to `gap` words; next to a `,` token no space."""
    sep = r"[\s\"'\-]*" if loose else _SEP
    if gap <= 0:
        return sep
    return f"(?:{sep}{_GAP_WORD}){{0,{gap}}}{sep}"


def _terms(terms: Iterable[str]) -> re.Pattern[str] | None:
    terms = [t for t in terms if normalize_term(t.rstrip("*"))]
    return re.compile(_alternation(terms)) if terms else None
