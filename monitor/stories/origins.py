"""Who an article credits for its news: the origins that corroboration counts.

A credit is an attribution of the news itself: a wire dateline ("SEOUL (AP) —"), a credit
line ("(Yonhap)", "Source: BBC", "AP contributed to this report"), a reporting verb
("TV Chosun reported", "first reported by Yonhap", "JoongAng Ilbo, which first reported",
"citing Yonhap", "told TV Chosun"), or a plain attribution ("according to X", "X said")
in the lead. Official bodies are credited by plain attribution anywhere in the text,
unless they declined to confirm or were quoted for background (statistics, history).
Everything else is a citation (an outlet quoted for analysis deep in the text) or a
mere mention. docs/stories.md explains the rules and their measured agreement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from monitor.stories.outlets import is_official, mention_pattern, normalize_outlet

__all__ = [
    "Citation",
    "article_origins",
    "copy_origins",
    "extract_citations",
    "extract_origins",
    "wire_source",
]

Kind = Literal["credit", "cite", "mention"]

#: Paragraphs (of at least _LEAD_MIN characters) that make up the lead.
LEAD_PARAGRAPHS = 3
_LEAD_MIN = 40

_W = r"[\w'’.\-]+"
_DESC = r"(?:\s*\([A-Za-z]{2,6}\))?(?:\s+(?:news\s+agency|newspaper|daily|broadcaster|agency|TV))?"
_STRONG_AFTER = re.compile(
    rf"^(?:'s|’s)?{_DESC},?\s*(?:"
    r"(?:which|that|who)\s+(?:had\s+|has\s+)?(?:first\s+|originally\s+|earlier\s+)?"
    r"(?:reported|broke|revealed|disclosed|aired)"
    r"|(?:(?:has|had|first|originally|exclusively|earlier|also|later|previously)\s+)*"
    r"(?:reported|reports|broke\s+the\s+news|quoted|quoting|citing|cited|revealed|disclosed"
    r"|was\s+the\s+first\s+to\s+report|contributed\s+to\s+(?:this|the)\s+report)\b"
    r"|(?:report|reporting|exclusive|interview|broadcast|scoop)s?\b)",
    re.IGNORECASE,
)
_WEAK_AFTER = re.compile(
    rf"^(?:'s|’s)?{_DESC}(?:,[^;]{{0,200}}?,)?,?\s*(?:(?:also|later|earlier|further)\s+)?"
    r"(?:said|says|added|adds|announced|confirmed|stated|noted|explained|disclosed|told\s+reporters)\b",
    re.IGNORECASE,
)
_STRONG_BEFORE = re.compile(
    r"(?:"
    rf"(?:reported|broken|published|aired|broadcast|revealed)\s+(?:first\s+|originally\s+|earlier\s+)?by\s+(?:{_W}\s+){{0,5}}"
    rf"|(?:told|telling|tells|speaking\s+(?:anonymously\s+|exclusively\s+|on\s+condition\s+of\s+anonymity\s+)?to"
    rf"|spoke\s+to|interviewed\s+by|(?:an\s+)?interview\s+with|gave|given|giving)\s+(?:the\s+)?(?:{_W}\s+){{0,3}}"
    rf"|(?:citing|quoting|cited\s+by|quoted\s+by|(?:a\s+)?reports?\s+(?:by|from|in|on)"
    rf"|surfaced\s+in|appeared\s+in|published\s+in|first\s+in)\s+(?:the\s+)?(?:{_W}\s+){{0,4}}"
    r"|\breport,\s+(?:[\w'’.\-]+,?\s+){0,5}"  # "In a separate report, the daily, X said"
    r")$",
    re.IGNORECASE,
)
_WEAK_BEFORE = re.compile(
    rf"(?:according\s+to\s+(?:the\s+)?(?:{_W}\s+){{0,6}}|said\s+(?:the\s+)?(?:(?-i:[A-Z])[\w'’.\-]*\s+){{0,3}})$",
    re.IGNORECASE,
)
_KO_STRONG = re.compile(r"^(?:의|가|이|는|은|도)?\s*(?:[^.。]*?)(?:보도|단독|인터뷰)")
_KO_WEAK_AFTER = re.compile(
    r"^(?:\s*(?:대변인|당국자|관계자|측|당국))?\s*(?:은|는|이|가|도)\s+[^.。]*?"
    r"(?:밝혔|말했|설명했|전했|덧붙였|발표했|확인했|밝혔습니다|말했습니다)"
)
_KO_ACCORDING = re.compile(r"^\s*(?:에\s*따르면|의\s*발표에\s*따르면)")
_REFUSAL = re.compile(
    r"declined\s+to|refused\s+to|no\s+(?:immediate\s+)?comment|nothing\s+to\s+say"
    r"|(?:unable|not\s+able|could\s+not|couldn't|would\s+not|wouldn't|did\s+not|didn't)\s+"
    r"(?:to\s+)?(?:confirm|comment|say|disclose|verify)|\bdenied\b|\bdenies\b"
    r"|확인해\s*줄\s*수\s*없|확인할\s*수\s*없|언급을\s*삼|언급하지\s*않|밝히지\s*않|답하지\s*않|말을\s*아꼈",
    re.IGNORECASE,
)
_BACKGROUND = re.compile(
    r"\b(?:19|20)\d\d\b|last\s+year|years\s+ago|in\s+the\s+past|previously|a\s+year\s+earlier"
    r"|지난해|작년|(?:19|20)\d\d년",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"^\s*(?:\((?:LEAD|UPDATE|URGENT)[^)]*\)\s*)?(?:[A-Z][\w .,']{0,60}?)?"
    r"\((?P<name>[^()\n]{1,40})\)\s*(?:--|[-—–:])"
    r"|^\s*\([^()=\n]{1,20}=(?P<ko>[^()\n]{1,20})\)"
)
_CREDIT_LEFTOVER = re.compile(
    r"^[\s(\[—–\-/]*(?:(?:source|sources|via|courtesy\s+of|from|with|copyright|©)\s*[:\-—–]?)?"
    r"[\s)\].—–\-/]*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(
    r"(?<![A-Z]\.)(?<!\b(?:Mr|Ms|Dr|No|St|Lt)\.)(?<!\b(?:Gov|Gen|Sgt|Col|Rep|Sen|Jan|Feb|Aug|Sep|Oct|Nov|Dec)\.)"
    r"(?<=[.!?。])\s+"
)


@dataclass(frozen=True, slots=True)
class Citation:
    """One outlet named in an article, and whether it is credited for the news."""

    name: str  # canonical (normalize_outlet)
    kind: Kind
    rule: str  # which rule decided: dateline, credit-line, reported, told, according, said, ...
    offset: int  # character offset of the mention in the text
    official: bool


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    start: int
    paragraph: int  # how many substantive paragraphs (not captions or credits) precede it
    para_text: str


def _sentences(text: str) -> Iterator[_Sentence]:
    pos = 0
    index = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        para = index  # substantive paragraphs before this one
        if len(stripped) >= _LEAD_MIN:
            index += 1
        start = pos
        last = 0
        for m in _SENTENCE_END.finditer(line):
            yield _Sentence(line[last : m.start()], start + last, para, stripped)
            last = m.end()
        if line[last:].strip():
            yield _Sentence(line[last:].rstrip("\n"), start + last, para, stripped)
        pos += len(line)


def _mentions(sentence: str) -> list[tuple[int, int, str]]:
    exact, loose = mention_pattern()
    found = [(m.start(), m.end(), m.group(0)) for m in exact.finditer(sentence)]
    found += [(m.start(), m.end(), m.group(0)) for m in loose.finditer(sentence)]
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    kept: list[tuple[int, int, str]] = []
    for item in found:
        if kept and item[0] < kept[-1][1]:
            continue
        kept.append(item)
    return kept


def _classify(
    sent: _Sentence, start: int, end: int, next_start: int, official: bool
) -> tuple[Kind, str]:
    before, after = sent.text[:start], sent.text[end:]
    clause = sent.text[end:next_start]
    leftover = sent.para_text.replace(sent.text[start:end], "", 1)
    if len(sent.para_text) <= 60 and _CREDIT_LEFTOVER.match(leftover):
        return "credit", "credit-line"
    if _STRONG_BEFORE.search(before) or _STRONG_AFTER.match(after) or _KO_STRONG.match(clause):
        if _REFUSAL.search(clause) and not re.match(r"^\W*(?:reported|report)", after):
            return "mention", "refused"
        return "credit", "reported"
    weak = _WEAK_BEFORE.search(before) or _WEAK_AFTER.match(after)
    weak = weak or _KO_ACCORDING.match(after) or _KO_WEAK_AFTER.match(clause)
    if not weak:
        return "mention", "mention"
    if _REFUSAL.search(clause):
        return "mention", "refused"
    if official:
        if _BACKGROUND.search(clause):
            return "cite", "background"
        return "credit", "said"
    if 0 <= sent.paragraph < LEAD_PARAGRAPHS:
        return "credit", "said-in-lead"
    return "cite", "said-later"


def extract_citations(text: str, *, official_sources: Sequence[str] = ()) -> list[Citation]:
    """Every outlet or official body the text names, classified credit / cite / mention."""
    out: list[Citation] = []
    m = _DATELINE.match(text)
    if m:
        group = "name" if m.group("name") else "ko"
        name = normalize_outlet(m.group(group))
        out.append(Citation(name, "credit", "dateline", m.start(group), False))
    for sent in _sentences(text):
        mentions = _mentions(sent.text)
        for i, (start, end, surface) in enumerate(mentions):
            name = normalize_outlet(surface)
            offset = sent.start + start
            if out and out[0].rule == "dateline" and out[0].offset == offset:
                continue
            official = is_official(name, list(official_sources))
            nxt = mentions[i + 1][0] if i + 1 < len(mentions) else len(sent.text)
            kind, rule = _classify(sent, start, end, nxt, official)
            out.append(Citation(name, kind, rule, offset, official))
    return out


def extract_origins(
    text: str, *, own_outlet: str, official_sources: Sequence[str] = ()
) -> list[str]:
    """Outlets and official bodies credited for the news, first mention first, own excluded."""
    own = normalize_outlet(own_outlet)
    citations = extract_citations(text, official_sources=official_sources)
    credited = {c.name for c in citations if c.kind == "credit"}
    first: dict[str, int] = {}
    for c in citations:
        if c.name in credited and c.name != own:
            first.setdefault(c.name, c.offset)
    return sorted(first, key=lambda n: first[n])


def article_origins(
    text: str, *, own_outlet: str, official_sources: Sequence[str] = ()
) -> list[str]:
    """An article's origins: the credited outlets, else its own outlet (original reporting)."""
    credited = extract_origins(text, own_outlet=own_outlet, official_sources=official_sources)
    return credited or [normalize_outlet(own_outlet)]


def wire_source(text: str, *, own_outlet: str) -> str:
    """Who wrote the text: the dateline or credit-line agency, else the publishing outlet."""
    for c in extract_citations(text):
        if c.rule in ("dateline", "credit-line") or (
            c.rule == "reported" and "contributed" in text[c.offset : c.offset + 80]
        ):
            return c.name
    return normalize_outlet(own_outlet)


def copy_origins(
    own: Sequence[str], *, original_source: str, original_origins: Sequence[str], outlet: str
) -> list[str]:
    """A syndicated copy's origins: the original's author and credits, then its own credits.

    A copy adds no origin to its story; this only explains whom the copy credits
    (a Reuters text reprinted without its dateline still credits Reuters).
    """
    me = normalize_outlet(outlet)
    names = [normalize_outlet(original_source), *original_origins, *own]
    return [n for n in dict.fromkeys(names) if n != me]
