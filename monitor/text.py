"""Pure text helpers for messages: a report's lead sentence, Hangul detection, wrapping to
a width counted in terminal cells (a Hangul syllable takes two), as mail readers show it."""

from __future__ import annotations

import re
import unicodedata

LEAD_CHARS = 300
TEXT_WIDTH = 78  # plain-text mail: RFC 5322's advice, what mail readers show unwrapped

# a sentence ends at . ! ? (or 。) before a space and a capital, a digit, a quote or Hangul
_END = re.compile(r"(?<=[.!?。])[\"'”’)]*\s+(?=[A-Z0-9\"“‘(\u1100-\u11ff\uac00-\ud7a3])")
# words before a full stop that do not end a sentence
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "sgt",
        "capt",
        "sen",
        "rep",
        "gov",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "inc",
        "corp",
        "co",
        "ltd",
        "no",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.n",
        "u.k",
        "n.k",
        "s.k",
        "a.m",
        "p.m",
    ]
)
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
    for raw in re.split(r"\n", body):
        paragraph = " ".join(raw.split())
        if not paragraph or paragraph.casefold() == folded_title:
            continue
        end = _sentence_end(paragraph)
        if end is None:
            continue
        sentence = paragraph[:end].strip()
        if len(sentence.split()) < 4 and not has_hangul(sentence):
            continue
        if len(sentence) > limit:
            sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
        return sentence
    return None


def _sentence_end(paragraph: str) -> int | None:
    """Where the first sentence ends (abbreviations such as Nov. or N. do not end one), or
    None when the paragraph holds no sentence at all."""
    for m in _END.finditer(paragraph):
        word = paragraph[: m.start()].rsplit(" ", 1)[-1].rstrip(".!?\"'”’)").lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        return m.start()
    if re.search(r"[.!?。][\"'”’)]*$", paragraph):
        word = paragraph.rsplit(" ", 1)[-1].rstrip(".!?\"'”’)").lower()
        if word not in _ABBREVIATIONS:
            return len(paragraph)
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
