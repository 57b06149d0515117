"""Event terms: who, where, when and how an article's news happened, as weighted tags.

Two reports of one defection share a role ("diplomat", 외교관), a place ("Kuwait",
쿠웨이트), a detail (a wetsuit, 잠수복) and perhaps a date or head count, even across
languages; two different defections in the same fortnight usually differ in at least one
of them. Terms count anywhere in the body, weighted by position: the headline and the lead
say what happened (weight 1), later paragraphs less and less, and a sentence that recalls
the past ("the first since ... in 2016", "last month another soldier ...") least, so a
look-alike earlier event cannot pull the story toward it; but a sentence that dates the
report's own movement ("crossed the MDL on July 19", "지난 19일 군사분계선을 넘어") is the
event's core wherever it stands. Dates resolve against the publication time ("on Sunday",
"25일", "지난 19일"). The vocabulary lives in `gazetteer`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import ahocorasick

from monitor.stories.fingerprint import tokens
from monitor.stories.gazetteer import DETAILS, MOVEMENT, PLACES, ROLES, sector_tags
from monitor.text import paragraphs as lines
from monitor.text import read_dateline, sentence_spans

__all__ = [
    "CORE",
    "LEAD_PARAGRAPHS",
    "acts",
    "body_spans",
    "day_gap",
    "distinctive_tokens",
    "event_profile",
    "event_terms",
    "lead",
    "recalls_past",
    "sentence_weight",
]

#: How many substantive paragraphs of the body (after the headline) describe the event.
LEAD_PARAGRAPHS = 2
#: The weight of a term in the headline or lead; a term this heavy is part of the event's core.
CORE = 1.0
#: The least a term can weigh (a caption, a late paragraph).
FLOOR = 0.25
#: A sentence recalling the past weighs this share of its paragraph's weight.
BACKGROUND = 0.4

_NUM_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_COUNT = re.compile(
    r"\b(\d{1,3}|" + "|".join(_NUM_WORDS) + r")\s+(?:north\s+korean\s+|n\.\s*korean\s+)?"
    r"(?:[a-z-]+\s+)?(?:workers|employees|people|soldiers|fishermen|defectors|families"
    r"|crew|members|north\s+koreans|diplomats|students|women|men)\b"
    r"|(\d{1,3})\s*(?:명|가구)",
    re.IGNORECASE,
)
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        )
    )
    for m in names.split()
}
_DATE = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{1,2})\b"
    r"|(\d{1,2})월\s*(\d{1,2})일",
    re.IGNORECASE,
)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "his",
        "her",
        "their",
        "him",
        "them",
        "who",
        "whom",
        "which",
        "what",
        "when",
        "where",
        "why",
        "how",
        "not",
        "no",
        "yes",
        "than",
        "then",
        "there",
        "here",
        "into",
        "over",
        "under",
        "after",
        "before",
        "about",
        "against",
        "between",
        "during",
        "through",
        "across",
        "up",
        "down",
        "out",
        "off",
        "again",
        "further",
        "once",
        "also",
        "just",
        "only",
        "very",
        "more",
        "most",
        "other",
        "some",
        "such",
        "own",
        "same",
        "so",
        "too",
        "can",
        "will",
        "would",
        "could",
        "should",
        "may",
        "might",
        "must",
        "said",
        "says",
        "say",
        "told",
        "according",
        "reported",
        "report",
        "reports",
        "news",
        "agency",
        "official",
        "officials",
        "source",
        "sources",
        "government",
        "military",
        "ministry",
        "local",
        "media",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "yesterday",
        "week",
        "month",
        "year",
        "earlier",
        "later",
        "north",
        "south",
        "korea",
        "korean",
        "koreans",
        "pyongyang",
        "seoul",
        "n",
        "s",
        "dprk",
        "rok",
        "defect",
        "defects",
        "defected",
        "defection",
        "defector",
        "defectors",
        "defecting",
        "lead",
        "update",
        "one",
        "two",
        "new",
        "first",
        "last",
        "since",
        "while",
        "would",
        "been",
        "per",
        "cent",
        "percent",
        "mr",
        "ms",
        "it's",
        "there's",
    ]
)


def lead(text: str, paragraphs: int = LEAD_PARAGRAPHS) -> str:
    """The first substantive paragraphs of a body (captions and one-liners skipped)."""
    out: list[str] = []
    for line in lines(text):
        para = line.group(0).strip()
        if len(para) >= 60:
            out.append(para)
            if len(out) >= paragraphs:
                break
    return "\n".join(out)


_KO_SUFFIX = "(?:이|가|은|는|을|를|의|에|에서|으로|로|과|와|도|들|인|군|시|지역|만|까지|부터)?"


_HANGUL = re.compile(r"[가-힣]")
_PARTICLE = re.compile(_KO_SUFFIX + r"(?![가-힣])")
_WS = str.maketrans({c: " " for c in "\t\n\r\f\v\u00a0"})


@lru_cache(maxsize=1)
def _automaton() -> Any:
    """One Aho-Corasick automaton over every gazetteer form, lower-cased: one pass over the
    text finds them all (a regex alternation of ~400 forms costs milliseconds per article).
    Each value: (form as written, kind, tags); kind says which boundary rule applies."""
    forms: dict[str, tuple[str, str, list[str]]] = {}
    for table in (ROLES, PLACES, DETAILS):
        for tag, names in table.items():
            for form in names:
                kind = "hangul" if _HANGUL.search(form) else "exact" if form.isupper() else "latin"
                entry = forms.setdefault(form.lower(), (form, kind, []))
                entry[2].append(tag)
    automaton = ahocorasick.Automaton()
    for key, (form, kind, tags) in forms.items():
        automaton.add_word(key, (form, kind, tuple(dict.fromkeys(tags))))
    automaton.make_automaton()
    return automaton


def _latin_edge(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "-")


def _gazetteer(field: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(offset, tags) of every gazetteer form in the text, whole words only."""
    low = field.lower().translate(_WS)
    if len(low) != len(field):  # a character whose lower case is longer: keep offsets exact
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in field).translate(_WS)
    for end, (form, kind, tags) in _automaton().iter(low):
        start = end - len(form) + 1
        before = field[start - 1] if start else " "
        if kind == "hangul":
            if _HANGUL.match(before) or not _PARTICLE.match(field, end + 1):
                continue
        else:
            after = field[end + 1] if end + 1 < len(field) else " "
            if _latin_edge(before) or _latin_edge(after):
                continue
            if kind == "exact" and field[start : end + 1] != form:
                continue
        yield start, tags


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUM_WORDS[word.lower()]


#: Markers that a sentence tells another, earlier event ("another", "last month", "the
#: second crossing", "12 days after", 지난달, 12일 만): its dates are not this event's.
_OTHER_EVENT = re.compile(
    r"\blast\s+(?:year|month|week)|\bmonths\s+ago|\bearlier\s+this\s+(?:year|month)"
    r"|\bin\s+the\s+past|\bpreviously|\bprevious\b|\banother\b"
    r"|\b(?:first|most\s+senior|highest[- ]ranking|biggest|largest)\b[^.;]{0,60}?\bsince\b"
    r"|\bsince\s+(?:the\s+)?(?:defection|escape|arrival|case)\s+of\b|\bbefore\s+(?:him|her|them)\b"
    r"|\bfootsteps\s+of\b|\bfollowing\s+(?:the\s+)?(?:defection|escape)\s+of\b"
    r"|\bthe\s+(?:last|latest)\s+(?:known\s+)?(?:such|time|case|defection|crossing)"
    r"|\b\d+\s+(?:days?|weeks?|months?|years?)\s+(?:after|since|before|earlier)"
    r"|\b(?:second|third|fourth|fifth|latest)\s+(?:such\s+|known\s+)?"
    r"(?:crossing|defection|case|incident|time|one)"
    r"|지난해|작년|지난달|이전|이후\s*처음|\d+\s*(?:일|개월|년)\s*만"
    r"|(?:\d+\s*일|이틀|사흘|나흘|닷새|엿새|이레|열흘|보름)\s*(?:뒤|후)",
    re.IGNORECASE,
)
#: Markers that put a clause of the sentence in the past without telling another event:
#: the subject's history ("who went to the South three years ago"), an earlier report
#: (앞서 "earlier, KCNA reported"), a date this month (지난 19일). The sentence still
#: recalls the past for its place and role terms, but a movement it dates is this event's.
_ASIDE = re.compile(r"\byears?\s+ago|앞서|지난\s*\d{1,2}일", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_WEEKDAYS = {
    d: i
    for i, names in enumerate(
        (
            "monday 월요일",
            "tuesday 화요일",
            "wednesday 수요일",
            "thursday 목요일",
            "friday 금요일",
            "saturday 토요일",
            "sunday 일요일",
        )
    )
    for d in names.split()
}
_WEEKDAY = re.compile(
    r"\b(?:on|late|early|last)\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|(월요일|화요일|수요일|목요일|금요일|토요일|일요일)",
    re.IGNORECASE,
)
_KO_DAY = re.compile(
    r"(?<![\d월.])(\d{1,2})일\s*(?:오전|오후|새벽|밤|저녁|낮|아침|정오|께|에|,)"
    r"|지난\s*(\d{1,2})일"  # "지난 19일": the 19th just past, whatever follows
)
#: event dates are read against the publication time a little ahead (Korea is UTC+9)
_LOCAL_AHEAD = timedelta(hours=14)


def body_spans(text: str) -> Iterator[tuple[int, int, float]]:
    """(start, end, position weight) of every sentence of a body, dateline left out."""
    index = 0  # substantive paragraphs seen
    for para in lines(text):
        start, chunk = para.start(), para.group(0)
        if len(chunk.strip()) < 60:
            weight = FLOOR  # a caption, a credit line, a subhead
        else:
            weight = CORE if index < LEAD_PARAGRAPHS else max(FLOOR, 1.0 / index)
            index += 1
        dateline = read_dateline(chunk)
        body = start + (dateline.end if dateline else 0)
        for lo, hi in sentence_spans(text, body, para.end()):
            yield lo, hi, weight


def sentence_weight(sentence: str, position: float, published: datetime | None) -> float:
    """A sentence's weight: its position's, times BACKGROUND when it recalls the past."""
    year = published.year if published else None
    return position * BACKGROUND if recalls_past(sentence, year) else position


def recalls_past(sentence: str, year: int | None = None, *, years: bool = True) -> bool:
    """True for a sentence about earlier events: "last month", "the first since", "지난해",
    or (with `years`) a year before `year` ("in 2016")."""
    if _OTHER_EVENT.search(sentence) or _ASIDE.search(sentence):
        return True
    return years and any(year is None or int(y) < year for y in _YEAR.findall(sentence))


@lru_cache(maxsize=4096)
def _date_matches(sentence: str, published: datetime | None) -> tuple[tuple[int, int, str], ...]:
    """(start, end, date tag) of every date the sentence names, resolved against publication
    (cached: the weighing and the scan of one article read the same sentences)."""
    return tuple(_find_dates(sentence, published))


def _find_dates(sentence: str, published: datetime | None) -> Iterator[tuple[int, int, str]]:
    found = False
    for m in _DATE.finditer(sentence):
        if m.group(1):
            month, day = _MONTHS[m.group(1).lower()], int(m.group(2))
        else:
            month, day = int(m.group(3)), int(m.group(4))
        if 1 <= month <= 12 and 1 <= day <= 31:
            found = True
            yield m.start(), m.end(), f"date:{month:02d}-{day:02d}"
    if published is None:
        return
    local = published + _LOCAL_AHEAD
    for m in _WEEKDAY.finditer(sentence):
        wanted = _WEEKDAYS[(m.group(1) or m.group(2)).lower()]
        back = (local.weekday() - wanted) % 7
        found = True
        yield m.start(), m.end(), f"date:{local - timedelta(days=back):%m-%d}"
    if found:
        return  # "25일" only where no fuller date is named
    for m in _KO_DAY.finditer(sentence):
        day = int(m.group(1) or m.group(2))
        if 1 <= day <= 31:
            month_start = local.replace(day=1)
            when = month_start if day <= local.day else month_start - timedelta(days=1)
            yield m.start(), m.end(), f"date:{when.month:02d}-{day:02d}"
            return  # the first such day only


def day_gap(a: str, b: str) -> int:
    """Days between two date tags ("date:07-19"), across the new year (99: unreadable)."""
    try:
        da = date(2000, int(a[5:7]), int(a[8:10]))  # a leap year: Feb 29 parses
        db = date(2000, int(b[5:7]), int(b[8:10]))
    except ValueError:
        return 99
    gap = abs((da - db).days)
    return min(gap, 366 - gap)  # Dec 31 and Jan 1 are a day apart


def _dates(sentence: str, published: datetime | None) -> set[str]:
    return {tag for _, _, tag in _date_matches(sentence, published)}


#: a date right after a reporting verb dates the report, not the act ("said on Monday")
_REPORTED = re.compile(
    r"\b(?:said|says|told(?:\s+\w+){0,2}|announced|reported|confirmed|added|stated"
    r"|released|taken|provided|published|issued|dated)"
    r"(?:\s+(?:by|in|to|at)\s+(?:an?\s+|the\s+)?[\w-]+(?:\s+[\w-]+)?)?"  # by KCNA, to reporters
    r"\s+(?:late\s+|early\s+)?(?:on\s+)?$",
    re.IGNORECASE,
)
#: a date that carries its own year ("July 19, 2017", "2017년 7월 19일")
_YEAR_AFTER = re.compile(r",?\s*((?:19|20)\d\d)\b")
_YEAR_BEFORE = re.compile(r"((?:19|20)\d\d)\s*년\s*$")


def _own_date_matches(sentence: str, published: datetime | None) -> Iterator[tuple[int, int, str]]:
    """The dates a sentence gives to what happened: not one a reporting or publishing verb
    governs ("said on Monday", "in this photo released on July 26"), not one stamped with
    another year ("on July 19, 2017", "2017년 7월 19일")."""
    year = published.year if published else None
    for start, end, tag in _date_matches(sentence, published):
        if _REPORTED.search(sentence[max(0, start - 80) : start]):
            continue
        after = _YEAR_AFTER.match(sentence, end)
        before = _YEAR_BEFORE.search(sentence[max(0, start - 12) : start])
        stamped = (after.group(1) if after else None) or (before.group(1) if before else None)
        if stamped and (year is None or int(stamped) != year):
            continue
        yield start, end, tag


#: how near its verb an act's date stands, in words: after an English verb ("crossed the
#: military demarcation line back into the North on July 19"), before a Korean one, whose
#: verb ends the clause ("지난 19일 군사분계선을 넘어")
_ACT_REACH = 12


def acts(sentence: str, published: datetime | None = None) -> frozenset[str]:
    """The dates of the movement a sentence reports: the act's own date, wherever it stands.

    A sentence that reports a movement (crossed, swam back, 넘어, 귀순) and dates it ("on
    July 19", "지난 19일") names the event itself, not its background: two reports of one
    crossing give it the same day even when one puts it in a late paragraph. The date must
    belong to the movement's clause: within a few words after an English verb ("crossed
    the border on July 19", not "the president on Thursday demanded ... after he crossed")
    or before a Korean one. Not an act's date: one the sentence marks as another event
    ("another soldier crossed on Aug. 1", "12 days after", 지난달), and those
    `_own_date_matches` leaves out.
    """
    dates = list(_own_date_matches(sentence, published))
    if not dates or _OTHER_EVENT.search(sentence):
        return frozenset()
    moves = [
        (m.start(), m.end(), _HANGUL.match(m.group(0)) is not None)
        for m in MOVEMENT.finditer(sentence)
    ]
    if not moves:
        return frozenset()
    out = set()
    for start, end, tag in dates:
        for m_start, m_end, korean in moves:
            lo, hi = (end, m_start) if korean else (m_end, start)
            if lo <= hi and len(sentence[lo:hi].split()) <= _ACT_REACH:
                out.add(tag)
    return frozenset(out)


def _weigh(
    sentences: list[tuple[str, float]], published: datetime | None, leading: set[str]
) -> list[float]:
    """Each sentence's weight (headline first, then the body's sentences in order).

    Its position's, times BACKGROUND when it recalls the past (`sentence_weight`); and
    CORE wherever it dates the report's own act. The report's act days are those of the
    movement its headline or lead dates (`acts`, in sentences that do not recall the
    past), else those of its first sentence that dates a movement. A sentence dating a
    movement to one of those days (within a day) tells the report's act; one dating a
    movement to another day tells another act and keeps its weight. The lead's act days
    go to `leading` (as `act:MM-DD` tags): two leads dating the movement itself to days
    apart tell two acts (`cluster`).
    """
    weights = [sentence_weight(s, w, published) for s, w in sentences]
    dated_acts = [acts(s, published) for s, _ in sentences]
    own = {d for dated, w in zip(dated_acts, weights, strict=True) if w >= CORE for d in dated}
    leading.update("act:" + d[5:] for d in own)
    for i, dated in enumerate(dated_acts):
        if dated and not own:
            own = set(dated)
        if dated and any(day_gap(d, o) <= 1 for d in dated for o in own):
            weights[i] = CORE
    return weights


def _scan(
    field: str,
    spans: list[tuple[int, int, float]],
    sentence_weights: list[float],
    published: datetime | None,
    weights: dict[str, float],
) -> None:
    """Add every tag found in one field to `weights`, at its sentence's weight."""
    starts = [a for a, _, _ in spans]

    def put(tag: str, offset: int) -> None:
        i = bisect_right(starts, offset) - 1
        if i < 0 or offset >= spans[i][1]:
            return  # in the dateline
        if sentence_weights[i] > weights.get(tag, 0.0):
            weights[tag] = sentence_weights[i]

    for offset, tags in _gazetteer(field):
        for tag in tags:
            put(tag, offset)
    for offset, tag in sector_tags(field):
        put(tag, offset)
    for m in _COUNT.finditer(field):
        n = _number(m.group(1) or m.group(2))
        if n >= 2:  # "one soldier" says nothing a role tag does not
            put(f"count:{n}", m.start())
    for a, b, _ in spans:
        for tag in _dates(field[a:b], published):
            put(tag, a)


def event_profile(title: str, text: str, published: datetime | None = None) -> dict[str, float]:
    """Role, place, detail, head-count and date tags of the whole article, with weights,
    and `act:MM-DD` for the day its headline or lead gives the movement itself.

    A tag's weight is that of the heaviest sentence naming it: CORE in the headline and
    lead, less further down, BACKGROUND times that in a sentence recalling the past; CORE
    again wherever a sentence dates the report's own act (`_weigh`).
    """
    fields = [
        (f, spans)
        for f, spans in ((title, [(0, len(title), CORE)]), (text, list(body_spans(text))))
        if f and spans
    ]
    sentences = [(f[a:b], w) for f, spans in fields for a, b, w in spans]
    leading: set[str] = set()
    weighed = iter(_weigh(sentences, published, leading))
    weights: dict[str, float] = dict.fromkeys(leading, CORE)
    for field, spans in fields:
        _scan(field, spans, [next(weighed) for _ in spans], published, weights)
    return {tag: round(w, 3) for tag, w in weights.items()}


def event_terms(title: str, text: str, published: datetime | None = None) -> frozenset[str]:
    """The tags of the event's core: named in the headline or lead, not as background."""
    profile = event_profile(title, text, published)
    return frozenset(tag for tag, weight in profile.items() if weight >= CORE)


def distinctive_tokens(title: str, text: str, ignore: Iterable[str] = ()) -> frozenset[str]:
    """Content words of the headline and lead, minus stop words and the watchlist's terms."""
    skip = set(_STOP)
    for term in ignore:
        skip.update(tokens(term))
    words = tokens(f"{title}\n{lead(text)}")
    return frozenset(w for w in words if len(w) > 2 and w not in skip and not w.isdigit())


_ACRONYMS = {"mdl", "dmz", "jsa", "nll", "uae"}
_MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def event_labels(tags: Iterable[str]) -> tuple[str, ...]:
    """Readable labels for event tags, for people: place:mdl -> MDL, date:11-19 -> Nov 19."""
    order = {"role": 0, "count": 1, "place": 2, "date": 3}
    out: list[tuple[int, str]] = []
    for tag in tags:
        if "@" in tag or tag.startswith("act:"):
            continue  # stored with a weight below 1 (not the core); an act's day is a date
        kind, _, value = tag.partition(":")
        if kind == "place":
            label = value.upper() if value in _ACRONYMS else value.replace("-", " ").title()
        elif kind == "role":
            label = value.replace("-", " ")
        elif kind == "count":
            label = f"{value} people"
        elif kind == "date" and re.fullmatch(r"\d\d-\d\d", value) and 1 <= int(value[:2]) <= 12:
            label = f"{_MONTH_NAMES[int(value[:2]) - 1]} {int(value[3:])}"
        else:
            label = tag
        out.append((order.get(kind, 9), label))
    return tuple(label for _, label in sorted(out))
