"""How news text is read, defined once for every stage: where sentences end, what a wire
dateline is, a report's lead sentence; and, for messages, Hangul detection and wrapping to a
width counted in terminal cells (a Hangul syllable takes two), as mail readers show it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

LEAD_CHARS = 300
TEXT_WIDTH = 78  # plain-text mail: RFC 5322's advice, what mail readers show unwrapped

# --- paragraphs and sentences -------------------------------------------------------------

_LINE = re.compile(r"[^\n]+")


def paragraphs(text: str) -> Iterator[re.Match[str]]:
    """Each paragraph of an extracted body (one a line; blank lines are none), with its offset."""
    return _LINE.finditer(text)


_TERMINALS = ".!?。？！"
_CLOSERS = "\"'”’)\\]」』"
# A sentence ends at . ! ? 。 (closing quotes or brackets may follow) before white space or the
# end, and at a newline. Korean ends its sentences with a full stop too ("...했다."): a bare
# 다 before a space is as often a connective ("표류하다 떠밀려", drifting and carried).
_BREAK = re.compile(rf"[{_TERMINALS}]+[{_CLOSERS}]*(?=\s|\Z)|\n")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
_NEXT_WORD = re.compile(r"\s*(\S)")
# Words after which a full stop does not end a sentence (compared casefolded); a single letter
# ("N. Korea") and a word with a full stop inside ("U.S.", "a.m.") do not end one either.
_ABBREVIATED = (
    "mr mrs ms dr prof st sr jr gen lt col maj capt sgt cpl adm gov sen rep rev "
    "jan feb mar apr jun jul aug sep sept oct nov dec no nos vs etc inc corp co ltd "
    "dept univ approx est fig vol ft mt"
)
ABBREVIATIONS = frozenset(_ABBREVIATED.split())


def sentence_spans(
    text: str, start: int = 0, end: int | None = None, *, cased: bool = True
) -> list[tuple[int, int]]:
    """[start, end) of every sentence of text[start:end], the white space around it left out.

    `cased`: the text keeps its capitals, so a full stop before a lower-case word ("5 p.m.
    local time", "the Rev. father") is not an end either; the matcher's text is casefolded
    (`cased=False`) and relies on the abbreviations alone.
    """
    return [(lo, hi) for lo, hi, _closed in _sentences(text, start, end, cased)]


def first_sentence(text: str) -> tuple[int, int] | None:
    """The first sentence of a paragraph, or None when it holds no finished sentence (a
    section label, a headline, "SEOUL, Dec. 1 (Yonhap)")."""
    for lo, hi, closed in _sentences(text, 0, None, True):
        return (lo, hi) if closed else None
    return None


def _sentences(
    text: str, start: int, end: int | None, cased: bool
) -> Iterator[tuple[int, int, bool]]:
    """(start, end, closed): closed when a sentence end, not a newline or the range's end,
    finished it."""
    stop = len(text) if end is None else end
    pos = start
    for m in _BREAK.finditer(text, start, stop):
        newline = m.group() == "\n"
        if not newline and not _ends_sentence(text, m.start(), m.end(), stop, cased):
            continue
        yield from _trimmed(text, pos, m.end(), not newline)
        pos = m.end()
    yield from _trimmed(text, pos, stop, False)


def _trimmed(text: str, lo: int, hi: int, closed: bool) -> Iterator[tuple[int, int, bool]]:
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    if lo < hi:
        yield lo, hi, closed


def _ends_sentence(text: str, mark: int, after: int, stop: int, cased: bool) -> bool:
    if text[mark] == "." and is_abbreviation(text, mark):
        return False
    if cased:
        nxt = _NEXT_WORD.match(text, after, stop)
        if nxt and nxt.group(1).islower():
            return False
    return True


def is_abbreviation(text: str, dot: int) -> bool:
    """The full stop at text[dot] closes an abbreviation ("Mr.", "Jan.", "U.S.", "N.")."""
    m = _TOKEN_BEFORE.search(text, max(0, dot - 12), dot)
    if m is None:
        return False
    token = m.group(1).lstrip("\"'“‘([").casefold()
    return (len(token) == 1 and token.isalpha()) or "." in token or token in ABBREVIATIONS


# --- datelines ----------------------------------------------------------------------------

# "(LEAD)", "(2nd LD)", "(URGENT)": a wire's version label before the dateline
_KICKER = r"\((?:LEAD|UPDATE|URGENT|\d+(?:st|nd|rd|th)\s+LD)[^)]*\)\s*"
_DATELINE = re.compile(
    # a Korean wire's (서울=연합뉴스)
    r"\s*\([^()=\n]{1,20}=(?P<ko>[^()\n]{1,20})\)\s*"
    # "SEOUL (AP) —", "Seoul, Jul 16 (AP) North ..." (a relay: no dash), "(Reuters) -"
    rf"|\s*(?:{_KICKER})?(?:[A-Z][\w .,'’-]{{0,60}}?)?"
    r"\((?!(?:LEAD|UPDATE|URGENT)\b)(?P<agency>[^()\n]{1,40})\)\s*"
    r"(?:(?:--|[-—–:])\s*|(?=[A-Z\"“‘\u1100-\u11ff\uac00-\ud7a3]))"
    # a place alone in capitals: "SEOUL —", "PANMUNJOM, South Korea:"
    r"|\s*[A-Z][A-Z .'’]{1,30}(?:,\s*[A-Za-z. ]{1,30})?\s*(?:--|[-—–:])\s+"
)


@dataclass(frozen=True, slots=True)
class Dateline:
    """A wire dateline at a paragraph's start: where the report's own words begin, and the
    newsroom it credits ("AP", "연합뉴스"; None for a place alone)."""

    end: int
    agency: str | None
    agency_start: int  # offset of the agency's name (-1 without one)
    korean: bool = False  # (서울=연합뉴스): the form itself says the name is a newsroom


def read_dateline(text: str, pos: int = 0) -> Dateline | None:
    """The dateline that opens text[pos:], if any (captions before it are the caller's)."""
    m = _DATELINE.match(text, pos)
    if m is None:
        return None
    if m.group("agency"):
        return Dateline(m.end(), m.group("agency"), m.start("agency"))
    if m.group("ko"):
        return Dateline(m.end(), m.group("ko"), m.start("ko"), korean=True)
    return Dateline(m.end(), None, -1)


def strip_dateline(text: str) -> str:
    """The text without the dateline that opens it."""
    dateline = read_dateline(text)
    return text[dateline.end :] if dateline else text


# --- messages -----------------------------------------------------------------------------

_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def has_hangul(text: str | None) -> bool:
    return bool(text and _HANGUL.search(text))


def lead_sentence(
    body: str | None, title: str | None = None, limit: int = LEAD_CHARS
) -> str | None:
    """The first sentence of the report: what a news report leads with.

    Page furniture that extraction keeps before the lead is skipped: a paragraph with no
    sentence in it (a section label such as "North Korea", the headline again, a date line),
    and a paragraph that repeats the title.
    """
    if not body:
        return None
    folded_title = " ".join((title or "").split()).casefold()
    for line in paragraphs(body):
        paragraph = " ".join(line.group(0).split())
        if not paragraph or paragraph.casefold() == folded_title:
            continue
        first = first_sentence(paragraph)
        if first is None:
            continue
        sentence = paragraph[: first[1]].strip()
        if len(sentence.split()) < 4 and not has_hangul(sentence):
            continue
        if len(sentence) > limit:
            sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
        return sentence
    return None


def cells(text: str) -> int:
    """Terminal cells: wide (W) and full-width (F) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_line(line: str, width: int = TEXT_WIDTH) -> list[str]:
    """One line wrapped at `width` cells, continuation lines indented like the text after its
    bullet (`- `, `> `, `* `); a word longer than the width (a URL) stays whole."""
    if cells(line) <= width:
        return [line]
    indent = len(line) - len(line.lstrip(" "))
    rest = line[indent:]
    bullet = re.match(r"(?:[-*>] |\d+\. |(?:\[[A-Z]+\] )+)", rest)
    hang = " " * (indent + (len(bullet.group(0)) if bullet else 0))
    out: list[str] = []
    current = line[:indent]
    for word in rest.split(" "):
        candidate = f"{current} {word}" if current.strip() else current + word
        if cells(candidate) > width and current.strip():
            out.append(current.rstrip())
            current = hang + word
        else:
            current = candidate
    out.append(current.rstrip())
    return out


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """Every line of a rendered plain-text message wrapped at `width` cells."""
    return "\n".join(w for line in text.split("\n") for w in wrap_line(line, width))
