"""Dates written in other languages: "Seg, 24 Set 2018 10:00:00 -0300" is a date too.

Feeds from Portuguese, Spanish, French, German, Italian, Dutch or Indonesian sites write
RFC 822 dates with their own month and day names; feedparser parses English names only,
so every such entry lost its date (and with it the stale-news check). `parse_localized`
turns the month name into English, drops the weekday and connecting words, and parses.
"""

from __future__ import annotations

import email.utils
import re
import unicodedata
from datetime import UTC, datetime

__all__ = ["parse_localized"]

_ENGLISH = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Month names and abbreviations (accents folded, lower case), one string per month.
_NAMES = (
    "january janeiro enero janvier januar janv gennaio gen januari ene jän jaen",
    "february fevereiro fev febrero fevrier fevr februar febbraio februari",
    "march marco marzo mars marz maerz maart mrt maret",
    "april abril abr avril avr aprile",
    "mayo maio mai maggio mag mei",
    "june junho junio juin juni giugno giu",
    "july julho julio juillet juil juli luglio lug",
    "august agosto ago aout august augustus agustus agu agt",
    "september setembro set septiembre setiembre sept septembre settembre",
    "october outubro out octubre octobre oktober okt ottobre ott",
    "november novembro noviembre novembre nopember",
    "december dezembro dez diciembre dic decembre dezember dicembre desember des",
)
_MONTHS = {name: _ENGLISH[i] for i, names in enumerate(_NAMES) for name in names.split()}
_MONTHS |= {m: m for m in _ENGLISH}
_FILLER = frozenset({"de", "del", "le", "der", "den", "di", "at", "um", "a", "as", "às", "h"})
_WEEKDAY = re.compile(r"^\s*[^\W\d_]+\.?,?\s+(?=\d)")
_WORD = re.compile(r"[^\W\d_]+\.?")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower().rstrip("."))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_localized(text: str | None) -> datetime | None:
    """A UTC datetime from an RFC 822-like date with month names in a common language.

    A date without a zone is taken as UTC, as feedparser does for feeds. None when the text
    names no known month or does not parse.
    """
    if not text or len(text) > 100:
        return None
    text = text.strip()
    first = _WEEKDAY.match(text)
    # a leading word is the weekday when a comma follows it ("mar., 04 déc." is a Tuesday)
    # or when it names no month ("Seg 24 Set"); "Sep 24, 2018" keeps its month
    weekday = first is not None and (
        "," in first.group(0) or _fold(first.group(0).strip()) not in _MONTHS
    )
    rest = text[first.end() :] if first is not None and weekday else text
    words: list[str] = []
    month = None
    for token in rest.replace(",", " ").split():
        word = _WORD.fullmatch(token)
        if word is None:
            words.append(token)
            continue
        folded = _fold(token)
        if month is None and folded in _MONTHS:
            month = _MONTHS[folded]
            words.append(month.capitalize())
        elif folded not in _FILLER:
            words.append(token)
    if month is None:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(" ".join(words))
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
