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
from monitor.text import paragraphs, read_dateline, sentence_spans

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
#: a person of the body speaking for it: "Unification Ministry spokesperson Koo said"
_SPEAKER = (
    r"(?:\s+(?:official|officials|spokes(?:person|man|woman)|officer|chairman|minister|source"
    r"|sources|chief|head|director|press\s+officer)(?:\s+(?-i:[A-Z])[\w'’.-]+){0,3})?"
)
_SAID = (
    r",?\s*(?:(?:also|later|earlier|further|formally|officially|publicly)\s+)?"
    r"(?:said|says|added|adds|announced|confirmed|stated|noted|explained|disclosed|told"
    r"|tells|apologi[sz]ed|acknowledged|admitted|briefed|informed|estimated)\b"
)
_WEAK_AFTER = re.compile(
    rf"^(?:'s|’s)?{_DESC}{_SPEAKER}(?:,[^;]{{0,200}}?,)?{_SAID}", re.IGNORECASE
)
#: the body itself speaking ("the JCS said"), no person of it named
_WEAK_PLAIN = re.compile(rf"^(?:'s|’s)?{_DESC}(?:,[^;]{{0,200}}?,)?{_SAID}", re.IGNORECASE)
#: an official body of another state: North Korea's, Japan's foreign ministry
_FOREIGN_BEFORE = re.compile(
    r"(?:North\s+Korea(?:n|['’]s)|Pyongyang['’]s|the\s+North['’]s|Japan(?:ese|['’]s)"
    r"|China['’]s|Chinese|Beijing['’]s|Russia(?:n|['’]s)|Moscow['’]s|Ukrain(?:e['’]s|ian)"
    r"|U\.?S\.?|American|Washington['’]s|British|Taiwan(?:ese|['’]s)|Tokyo['’]s"
    r"|북한|북|일본|중국|러시아|우크라이나|미국|미|대만)\s*$",
    re.IGNORECASE,
)
#: "Col. Kim, spokesperson for the JCS, told a briefing": the speaker named before the body
_SPEAKER_BEFORE = re.compile(
    r"(?:spokes(?:person|man|woman)|official|officer|chairman|head|chief|director|minister)"
    r"\s+(?:for|of|at|from|with)\s+(?:the\s+)?(?:South\s+Korean\s+|South\s+Korea['’]s\s+)?$",
    re.IGNORECASE,
)
_SPOKE_AFTER = re.compile(
    r"^[^.;]{0,60}?\b(?:said|says|told|tells|added|announced|confirmed|explained)\b", re.IGNORECASE
)
#: a paragraph that is a credit line: "Source: X, a news outlet", "Via X"
_SOURCE_LINE = re.compile(r"^\s*\(?(?:source|sources|via|courtesy\s+of)\s*[:\-—–]", re.IGNORECASE)
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
    rf"(?:according\s+to\s+(?:the\s+)?(?:{_W}\s+){{0,6}}|said\s+(?:the\s+)?(?:(?-i:[A-Z])[\w'’.\-]*\s+){{0,3}}"
    r"|briefed\s+(?:\w+\s+)?by\s+(?:the\s+)?)$",
    re.IGNORECASE,
)
_KO_STRONG = re.compile(r"^(?:의|가|이|는|은|도)?\s*(?:[^.。]*?)(?:보도|단독|인터뷰)")
_KO_WEAK_AFTER = re.compile(
    r"^(?:\s*[가-힣]{2,4})?(?:\s*(?:대변인|당국자|관계자|측|당국|공보실장|공보관|실장|장관|차관|국장|의장"
    r"|본부장|처장))?\s*(?:은|는|이|가|도)\s+[^.。]*?"
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
    r"|over\s+the\s+(?:past|last)\s+\w+\s+(?:years|decades|months)|so\s+far\s+this\s+year"
    r"|a\s+total\s+of|in\s+total|since\s+the\s+end\s+of"
    r"|지난해|작년|(?:19|20)\d\d년|최근\s*\d+\s*년|지금까지|누적",
    re.IGNORECASE,
)
_CREDIT_LEFTOVER = re.compile(
    r"^[\s(\[—–\-/]*(?:(?:source|sources|via|courtesy\s+of|from|with|copyright|©)\s*[:\-—–]?)?"
    r"[\s)\].—–\-/]*$",
    re.IGNORECASE,
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
    index = 0
    for line in paragraphs(text):
        stripped = line.group(0).strip()
        para = index  # substantive paragraphs before this one
        if len(stripped) >= _LEAD_MIN:
            index += 1
        for lo, hi in sentence_spans(text, line.start(), line.end()):
            yield _Sentence(text[lo:hi], lo, para, stripped)


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
    if _SOURCE_LINE.match(sent.para_text):
        return "credit", "source-line"
    if _STRONG_BEFORE.search(before) or _STRONG_AFTER.match(after) or _KO_STRONG.match(clause):
        if _REFUSAL.search(clause) and not re.match(r"^\W*(?:reported|report)", after):
            return "mention", "refused"
        return "credit", "reported"
    if is_official(sent.text[start:end]) and _FOREIGN_BEFORE.search(before[-40:]):
        return "mention", "foreign-body"  # North Korea's, Japan's, 우크라이나 국방부: not ours
    weak = _WEAK_BEFORE.search(before) or _WEAK_PLAIN.match(after)
    weak = weak or _KO_ACCORDING.match(after) or _KO_WEAK_AFTER.match(clause)
    speaker = not weak and bool(
        _WEAK_AFTER.match(after) or (_SPEAKER_BEFORE.search(before) and _SPOKE_AFTER.match(after))
    )
    if not weak and not speaker:
        return "mention", "mention"
    if _REFUSAL.search(clause):
        return "mention", "refused"
    if speaker and not 0 <= sent.paragraph < LEAD_PARAGRAPHS:
        return "cite", "speaker-later"  # "an official of X said" deep in the text: detail
    if official:
        if _BACKGROUND.search(clause):
            return "cite", "background"
        return "credit", "said"
    if 0 <= sent.paragraph < LEAD_PARAGRAPHS:
        return "credit", "said-in-lead"
    return "cite", "said-later"


#: a dateline stands in the first paragraphs: after a photo caption, a kicker, a byline
_DATELINE_PARAGRAPHS = 3


def _first_dateline(text: str) -> tuple[str, int] | None:
    """(agency, offset) of the dateline in the text's first paragraphs (after captions)."""
    for i, para in enumerate(paragraphs(text)):
        if i >= _DATELINE_PARAGRAPHS:
            return None
        dateline = read_dateline(para.group(0))
        if dateline and dateline.agency and (dateline.korean or _is_outlet(dateline.agency)):
            return dateline.agency, para.start() + dateline.agency_start
    return None


_NOT_AGENCY = re.compile(r"\bvia\b|photo|pool|file|handout|\d", re.IGNORECASE)


def _is_outlet(name: str) -> bool:
    """A newsroom's name, not a photo credit ("Yonhap via AP", "AP Photo") or a body."""
    return not _NOT_AGENCY.search(name) and not is_official(normalize_outlet(name))


def extract_citations(text: str, *, official_sources: Sequence[str] = ()) -> list[Citation]:
    """Every outlet or official body the text names, classified credit / cite / mention."""
    out: list[Citation] = []
    dateline = _first_dateline(text)
    if dateline:
        out.append(
            Citation(normalize_outlet(dateline[0]), "credit", "dateline", dateline[1], False)
        )
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
    own: Sequence[str],
    *,
    original_source: str,
    original_origins: Sequence[str],
    outlet: str,
    reposters: Sequence[str] = (),
) -> list[str]:
    """A syndicated copy's origins: the original's author and credits, then its own credits.

    A copy adds no origin to its story; this only explains whom the copy credits
    (a Reuters text reprinted without its dateline still credits Reuters). A reposting
    site is never an origin: neither the copy's own outlet nor the `reposters` it copied
    through ("This article was first published in The Straits Times").
    """
    skip = {normalize_outlet(outlet), *(normalize_outlet(r) for r in reposters)}
    skip.discard(normalize_outlet(original_source))
    names = [normalize_outlet(original_source), *original_origins, *own]
    return [n for n in dict.fromkeys(names) if n not in skip]
