"""How long ago an act a report makes happened, as the report dates it.

"Kang left the North in May" in a July article is news; "who fled to the South four years
ago", "ten years after he crossed", "defected in 2016" in a 2020 article recall the past.
An act is dated by the time expressions of its clause (between commas), else of its
sentence, else of the sentences before it in its paragraph ("That life collapsed in 2004,
when ... crossed into China. ... his friend did not survive the escape."). Each expression
resolves to the latest moment it can mean ("in 2016": the end of 2016; "in May": the end of
the last May on or before publication), and the act's age is the age of the most recent one
found: a clause naming both "last week" and "2016" is as fresh as last week. Pure.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date, timedelta

from monitor.text import paragraphs, sentence_spans

__all__ = ["act_age", "act_sentence", "ages"]

#: English month names and abbreviations (the C locale's, as news writes them) -> 1..12
_MONTHS = {
    name.lower(): i
    for names in (calendar.month_name, calendar.month_abbr)
    for i, name in enumerate(names)
    if name
} | {"sept": 9}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "several": 3,
    "a few": 2,
    "a couple of": 2,
    "many": 3,
}
_NUMBER = r"\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True))
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365, "decade": 3650}
_KO_UNIT_DAYS = {"일": 1, "주": 7, "개월": 30, "달": 30, "년": 365}

# each alternative names its kind by its group name; the order matters only for overlaps
_TIME = re.compile(
    rf"(?P<ago>\b(?P<n>{_NUMBER})\s+(?P<unit>day|week|month|year|decade)s?\s+"
    r"(?:ago|earlier|before|after|since)\b)"
    rf"|(?P<monthyear>\b(?P<m1>{_MONTH})\.?\s+(?:\d{{1,2}},?\s+)?(?P<y1>(?:19|20)\d\d)\b)"
    r"|(?P<decade>\b(?:the\s+)?(?:(?:19|20)\d0s)\b)"
    r"|(?P<year>(?<![\d'’])(?P<y2>(?:19|20)\d\d)(?!\d)(?!\s*년))"
    r"|(?P<last>\blast\s+(?P<lunit>year|month|week)\b)"
    r"|(?P<now>\b(?:this|earlier\s+this)\s+(?:year|month|week)\b|\byesterday\b|\btoday\b"
    r"|\btonight\b|\b(?:on|late|early|last)\s+(?:monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday)\b|\bthis\s+(?:morning|afternoon|evening)\b)"
    rf"|(?P<monthday>\b(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})\b(?!,?\s+(?:19|20)\d\d))"
    rf"|(?P<month>\b(?:in|since|until|by|early|late|mid-?)\s+(?P<m3>{_MONTH})\b"
    r"(?!\.?\s+(?:\d{1,2},?\s+)?(?:19|20)\d\d))"
    r"|(?P<koyear>(?P<ky>(?:19|20)\d\d)\s*년(?:\s*(?P<km>\d{1,2})\s*월)?)"
    r"|(?P<koago>(?P<kn>\d{1,3})\s*(?P<kunit>개월|년|달|주|일)\s*(?:전|만|째))"
    r"|(?P<kolast>지난해|작년|지난달|지난주)"
    r"|(?P<konow>올해|이달|이번\s*주|어제|오늘|지난\s*\d{1,2}일)"
    r"|(?P<komonth>(?<![\d년])\s(?P<km2>\d{1,2})\s*월(?!\s*\d{1,2}\s*일))",
    re.IGNORECASE,
)


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _last_month_named(month: int, now: date) -> date:
    """The end of the last `month` on or before now (a month later in the year: last year's)."""
    year = now.year if month <= now.month else now.year - 1
    return min(_month_end(year, month), now)


def ages(text: str, now: date) -> Iterator[int]:
    """The age in days (0: as recent as the publication) of every time expression in text."""
    for m in _TIME.finditer(text):
        latest: date | None = None
        if m.group("ago"):
            n = _NUMBERS.get(m.group("n").lower()) or int(m.group("n"))
            yield n * _UNIT_DAYS[m.group("unit").lower()]
            continue
        if m.group("monthyear"):
            latest = _month_end(int(m.group("y1")), _MONTHS[m.group("m1").lower()])
        elif m.group("decade"):
            digits = re.search(r"\d{4}", m.group("decade"))
            assert digits is not None
            latest = date(int(digits.group()) + 9, 12, 31)
        elif m.group("year"):
            latest = date(int(m.group("y2")), 12, 31)
        elif m.group("last"):
            unit = m.group("lunit").lower()
            if unit == "year":
                latest = date(now.year - 1, 12, 31)
            elif unit == "month":
                latest = now.replace(day=1) - timedelta(days=1)
            else:
                latest = now - timedelta(days=7)
        elif m.group("now") or m.group("monthday") or m.group("konow"):
            yield 0  # a day or this period: news-fresh
            continue
        elif m.group("month"):
            latest = _last_month_named(_MONTHS[m.group("m3").lower()], now)
        elif m.group("koyear"):
            year = int(m.group("ky"))
            month = int(m.group("km")) if m.group("km") else 12
            latest = _month_end(year, month) if 1 <= month <= 12 else date(year, 12, 31)
        elif m.group("koago"):
            yield int(m.group("kn")) * _KO_UNIT_DAYS[m.group("kunit")]
            continue
        elif m.group("kolast"):
            word = m.group("kolast")
            if word in ("지난해", "작년"):
                latest = date(now.year - 1, 12, 31)
            elif word == "지난달":
                latest = now.replace(day=1) - timedelta(days=1)
            else:
                latest = now - timedelta(days=7)
        elif m.group("komonth"):
            month = int(m.group("km2"))
            if 1 <= month <= 12:
                latest = _last_month_named(month, now)
        if latest is not None:
            yield max(0, (now - latest).days)


_CLAUSE_END = re.compile(r"[,;:()\u2014\u2013]|\s-\s")


def _clause(text: str, lo: int, hi: int, pos: int) -> tuple[int, int]:
    """The clause of sentence [lo, hi) holding pos: between the marks around it."""
    start = lo
    for mark in _CLAUSE_END.finditer(text, lo, pos):
        start = mark.end()
    end = _CLAUSE_END.search(text, pos, hi)
    return start, (end.start() if end else hi)


def _locate(text: str, start: int) -> tuple[list[tuple[int, int]], int]:
    """The sentences of the paragraph holding text[start], and which one holds it."""
    for para in paragraphs(text):
        if not para.start() <= start < max(para.end(), para.start() + 1):
            continue
        spans = list(sentence_spans(text, para.start(), para.end()))
        spans = spans or [(para.start(), para.end())]
        k = max((i for i, (a, _b) in enumerate(spans) if a <= start), default=0)
        return spans, k
    return [(0, len(text))], 0


def act_sentence(text: str, start: int) -> tuple[int, int]:
    """[start, end) of the sentence holding text[start]."""
    spans, k = _locate(text, start)
    return spans[k]


def act_age(text: str, start: int, now: date) -> int | None:
    """The age in days of the act whose words start at text[start]: from its clause, else
    its sentence, else the sentences before it in its paragraph (nearest first); None when
    nothing dates it (an undated act is taken as news)."""
    spans, k = _locate(text, start)
    lo, hi = spans[k]
    places = [_clause(text, lo, hi, start), (lo, hi), *reversed(spans[:k])]
    for a, b in places:
        found = list(ages(text[a:b], now))
        if found:
            return min(found)
    return None
