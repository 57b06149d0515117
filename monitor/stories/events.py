"""Event terms: who, where and when an article's news is about, as language-neutral tags.

Two reports of one defection share a role ("diplomat", 외교관), a place ("Kuwait",
쿠웨이트) and perhaps a date or head count, even across languages; two different
defections in the same fortnight usually differ in at least one of them. Terms come from
the headline and the lead only: later paragraphs recall earlier, look-alike events
("the second crossing this month ...") that must not pull the story toward them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from monitor.stories.fingerprint import tokens

__all__ = ["LEAD_PARAGRAPHS", "distinctive_tokens", "event_terms", "lead"]

#: How many substantive paragraphs of the body (after the headline) describe the event.
LEAD_PARAGRAPHS = 2

# tag -> surface forms (English forms match as words, case-insensitive; Hangul as substrings)
_ROLES: dict[str, tuple[str, ...]] = {
    "role:diplomat": (
        "diplomat",
        "diplomats",
        "envoy",
        "ambassador",
        "charge d'affaires",
        "embassy official",
        "외교관",
        "대사",
        "공사",
        "대사대리",
        "참사관",
        "서기관",
    ),
    "role:soldier": (
        "soldier",
        "soldiers",
        "sergeant",
        "private",
        "troop",
        "serviceman",
        "conscript",
        "병사",
        "북한군",
        "군인",
        "하전사",
        "부사관",
    ),
    "role:officer": ("officer", "colonel", "general", "major-general", "장교", "대령", "장성"),
    "role:worker": ("worker", "workers", "employee", "employees", "노동자", "종업원"),
    "role:restaurant": ("restaurant", "restaurants", "식당"),
    "role:fisherman": ("fisherman", "fishermen", "fishing boat", "어민", "어부", "어선"),
    "role:family": ("family", "families", "wife", "children", "가족", "가구", "일가", "부인"),
    "role:student": ("student", "students", "유학생", "학생"),
    "role:athlete": ("athlete", "athletes", "player", "players", "선수"),
    "role:official": ("official", "cadre", "intelligence", "간부"),
    "role:civilian": ("civilian", "resident", "주민", "민간인"),
}
_PLACES: dict[str, tuple[str, ...]] = {
    "place:mdl": ("MDL", "military demarcation line", "demarcation line", "군사분계선"),
    "place:dmz": ("DMZ", "demilitarized zone", "demilitarised zone", "비무장지대"),
    "place:jsa": (
        "JSA",
        "joint security area",
        "panmunjom",
        "truce village",
        "판문점",
        "공동경비구역",
    ),
    "place:estuary": ("estuary", "han river", "하구", "한강"),
    "place:eastern-front": ("eastern front", "east coast", "동부전선", "동해안"),
    "place:western-front": ("western front", "western border", "서부전선"),
    "place:central-front": ("central front", "central border", "중부전선"),
    "place:yellow-sea": ("yellow sea", "west sea", "서해"),
    "place:east-sea": ("east sea", "sea of japan", "동해"),
    "place:nll": ("NLL", "northern limit line", "sea border", "북방한계선"),
    "place:gyodong": ("gyodong", "교동"),
    "place:ganghwa": ("ganghwa", "강화도", "강화군"),
    "place:goseong": ("goseong", "고성"),
    "place:yeonpyeong": ("yeonpyeong", "연평"),
    "place:sokcho": ("sokcho", "속초"),
    "place:cheorwon": ("cheorwon", "철원"),
    "place:paju": ("paju", "파주"),
    "place:china": ("china", "chinese", "중국"),
    "place:beijing": ("beijing", "베이징"),
    "place:ningbo": ("ningbo", "닝보"),
    "place:shenyang": ("shenyang", "선양"),
    "place:russia": ("russia", "russian", "moscow", "vladivostok", "러시아"),
    "place:japan": ("japan", "japanese", "tokyo", "일본"),
    "place:britain": ("britain", "british", "london", "u.k.", "영국", "런던"),
    "place:france": ("france", "paris", "프랑스"),
    "place:italy": ("italy", "rome", "이탈리아", "로마"),
    "place:germany": ("germany", "berlin", "독일"),
    "place:sweden": ("sweden", "stockholm", "스웨덴"),
    "place:kuwait": ("kuwait", "쿠웨이트"),
    "place:qatar": ("qatar", "카타르"),
    "place:uae": ("uae", "united arab emirates", "dubai", "아랍에미리트"),
    "place:cuba": ("cuba", "havana", "쿠바"),
    "place:vietnam": ("vietnam", "hanoi", "베트남"),
    "place:thailand": ("thailand", "bangkok", "태국"),
    "place:laos": ("laos", "라오스"),
    "place:cambodia": ("cambodia", "캄보디아"),
    "place:mongolia": ("mongolia", "몽골"),
    "place:malaysia": ("malaysia", "kuala lumpur", "말레이시아"),
    "place:africa": ("africa", "african", "아프리카"),
    "place:hong-kong": ("hong kong", "홍콩"),
    "place:united-states": ("united states", "washington", "미국"),
    "place:romania": ("romania", "bucharest", "루마니아", "부쿠레슈티"),
    "place:poland": ("poland", "warsaw", "폴란드", "바르샤바"),
    "place:czechia": ("czech republic", "czechia", "prague", "체코", "프라하"),
    "place:bulgaria": ("bulgaria", "sofia", "불가리아"),
    "place:austria": ("austria", "vienna", "오스트리아", "빈"),
    "place:switzerland": ("switzerland", "geneva", "스위스", "제네바"),
    "place:spain": ("spain", "madrid", "스페인"),
    "place:egypt": ("egypt", "cairo", "이집트"),
    "place:nigeria": ("nigeria", "나이지리아"),
    "place:ethiopia": ("ethiopia", "에티오피아"),
    "place:congo": ("congo", "콩고"),
    "place:angola": ("angola", "앙골라"),
    "place:singapore": ("singapore", "싱가포르"),
    "place:indonesia": ("indonesia", "jakarta", "인도네시아"),
    "place:philippines": ("philippines", "manila", "필리핀"),
    "place:myanmar": ("myanmar", "burma", "미얀마"),
    "place:nepal": ("nepal", "kathmandu", "네팔"),
    "place:india": ("india", "new delhi", "인도"),
    "place:pakistan": ("pakistan", "islamabad", "파키스탄"),
    "place:iran": ("iran", "tehran", "이란"),
    "place:syria": ("syria", "damascus", "시리아"),
    "place:ukraine": ("ukraine", "kyiv", "우크라이나"),
    "place:belarus": ("belarus", "minsk", "벨라루스"),
    "place:kazakhstan": ("kazakhstan", "카자흐스탄"),
    "place:taiwan": ("taiwan", "taipei", "대만"),
    "place:macau": ("macau", "macao", "마카오"),
}
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
_PARA_SPLIT = re.compile(r"\n+")


def lead(text: str, paragraphs: int = LEAD_PARAGRAPHS) -> str:
    """The first substantive paragraphs of a body (captions and one-liners skipped)."""
    out: list[str] = []
    for para in _PARA_SPLIT.split(text):
        para = para.strip()
        if len(para) >= 60:
            out.append(para)
            if len(out) >= paragraphs:
                break
    return "\n".join(out)


_KO_SUFFIX = "(?:이|가|은|는|을|를|의|에|에서|으로|로|과|와|도|들|인|군|시|지역|만|까지|부터)?"


def _form_regex(form: str) -> str:
    if re.search(r"[가-힣]", form):  # a whole word, perhaps with a particle: 고성에서, not 고성능
        return rf"(?<![가-힣]){re.escape(form)}{_KO_SUFFIX}(?![가-힣])"
    body = re.escape(form).replace(r"\ ", r"\s+")
    return rf"(?<![A-Za-z0-9-]){body}(?![A-Za-z0-9-])"


@lru_cache(maxsize=1)
def _tag_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for table in (_ROLES, _PLACES):
        for tag, forms in table.items():
            exact = [_form_regex(f) for f in forms if f.isupper()]
            loose = [_form_regex(f) for f in forms if not f.isupper()]
            if exact:
                out.append((tag, re.compile("|".join(exact))))
            if loose:
                out.append((tag, re.compile("|".join(loose), re.IGNORECASE)))
    return tuple(out)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUM_WORDS[word.lower()]


def event_terms(title: str, text: str) -> frozenset[str]:
    """Role, place, head-count and date tags of the event in the headline and lead."""
    scope = f"{title}\n{lead(text)}"
    found = {tag for tag, pattern in _tag_patterns() if pattern.search(scope)}
    for m in _COUNT.finditer(scope):
        n = _number(m.group(1) or m.group(2))
        if n >= 2:  # "one soldier" says nothing a role tag does not
            found.add(f"count:{n}")
    for m in _DATE.finditer(scope):
        if m.group(1):
            month, day = _MONTHS[m.group(1).lower()], int(m.group(2))
        else:
            month, day = int(m.group(3)), int(m.group(4))
        if 1 <= month <= 12 and 1 <= day <= 31:
            found.add(f"date:{month:02d}-{day:02d}")
    return frozenset(found)


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
