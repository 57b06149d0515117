"""The gazetteer: language-neutral tags for roles, places and details of an event.

Two reports of one defection name the same things in different words and languages:
"the JSA", "Panmunjom", "a jointly controlled area", 판문점; "the central front", "the
central section of the inter-Korean border", 중부전선; "a wetsuit", "a diving suit",
잠수복. Each tag lists the forms news uses (English as words, case-insensitive; Hangul as
whole words with an optional particle); `sector_tags` reads the phrase family "<direction>
<part> of the <border>" so new wordings need no new entry. `PARENT` says which places lie
inside which (Goseong is on the eastern front): such places never conflict. `GENERIC`
places (the DMZ, the MDL) are named in every border story and never conflict either.
"""

from __future__ import annotations

import re

__all__ = [
    "DETAILS",
    "GENERIC",
    "MOVEMENT",
    "NESTING",
    "PARENT",
    "PLACES",
    "ROLES",
    "compatible",
    "sector_tags",
]

# tag -> surface forms (English forms match as words, case-insensitive; Hangul as substrings)
ROLES: dict[str, tuple[str, ...]] = {
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
    "role:official": ("cadre", "party official", "intelligence officer", "trade official", "간부"),
    "role:pilot": (
        "pilot",
        "pilots",
        "flier",
        "aviator",
        "조종사",
        "비행사",
        "공군 대위",
        "공군 소령",
    ),
    "role:civilian": ("civilian", "resident", "주민", "민간인"),
}
PLACES: dict[str, tuple[str, ...]] = {
    "place:mdl": ("MDL", "military demarcation line", "demarcation line", "군사분계선"),
    "place:dmz": ("DMZ", "demilitarized zone", "demilitarised zone", "비무장지대"),
    "place:jsa": (
        "JSA",
        "joint security area",
        "jointly controlled area",
        "jointly guarded area",
        "panmunjom",
        "truce village",
        "판문점",
        "공동경비구역",
    ),
    "place:estuary": ("estuary", "han river", "하구", "한강"),
    "place:eastern-front": ("eastern front", "east coast", "동부전선", "동해안", "동부 전선"),
    "place:western-front": ("western front", "western border", "서부전선", "서부 전선"),
    "place:midwestern-front": (
        "midwestern front",
        "mid-western front",
        "central-western front",
        "중서부전선",
        "중서부 전선",
    ),
    "place:central-front": ("central front", "central border", "중부전선", "중부 전선"),
    "place:hwacheon": ("hwacheon", "화천"),
    "place:yanggu": ("yanggu", "양구"),
    "place:inje": ("inje", "인제"),
    "place:yeoncheon": ("yeoncheon", "연천"),
    "place:gimpo": ("gimpo", "김포"),
    "place:kaesong": ("kaesong", "gaeseong", "개성"),
    "place:samcheok": ("samcheok", "삼척"),
    "place:imjin": ("imjin", "임진강"),
    "place:baengnyeong": ("baengnyeong", "백령"),
    "place:suwon": ("suwon", "수원"),
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
# how the person came: the details two reports of one crossing share across languages
DETAILS: dict[str, tuple[str, ...]] = {
    "detail:warning-shots": (
        "warning shots",
        "warning shot",
        "warning rounds",
        "경고사격",
        "경고 사격",
    ),
    "detail:swim": ("swam", "swim", "swimming", "swims", "헤엄", "수영"),
    "detail:wetsuit": ("wetsuit", "wet suit", "diving suit", "flippers", "잠수복", "오리발"),
    "detail:drain": ("drain", "drainage", "culvert", "배수로"),
    "detail:fence": ("fence", "barbed wire", "철책", "철조망"),
    "detail:boat": ("boat", "vessel", "wooden boat", "목선", "선박", "소형 목선"),
    "detail:aircraft": (
        "fighter jet",
        "jet",
        "MiG",
        "warplane",
        "helicopter",
        "전투기",
        "미그",
        "헬기",
    ),
    "detail:air-raid": ("air raid", "air-raid", "sirens", "공습경보"),
    "detail:river": ("river", "강물", "하천"),
    "detail:shot": ("shot and wounded", "shot and badly", "gunfire", "총격", "총상"),
    "detail:repatriation": ("repatriated", "repatriation", "sent back", "강제북송", "북송"),
    "detail:embassy": ("embassy", "consulate", "대사관", "영사관"),
}

#: a movement across a border or out of a country, as a verb family (English inflections,
#: Korean stems whatever ending follows): the predicate of the act a report dates
MOVEMENT = re.compile(
    r"\b(?:cross(?:es|ed|ing)?|c(?:a|o)me\s+(?:back\s+)?(?:across|over|south|north|home)"
    r"|swam|swum|swim(?:s|ming)?|wad(?:e|es|ed|ing)|drift(?:s|ed|ing)?|float(?:s|ed|ing)?"
    r"|sail(?:s|ed|ing)?|flew|fl(?:y|ies|ying|own)\s+(?:to|into|across|over|south|north)"
    r"|fle(?:e|es|d|eing)|defect(?:s|ed|ing)?|escap(?:e|es|ed|ing)|return(?:s|ed|ing)?"
    r"|went\s+back|slip(?:s|ped|ping)|jump(?:s|ed|ing)?|climb(?:s|ed|ing)?|crawl(?:s|ed|ing)?"
    r"|land(?:s|ed|ing)|arriv(?:e|es|ed|ing)|walk(?:s|ed|ing)?\s+(?:across|over|into|south|north)"
    r"|r(?:a|u)n(?:s|ning)?\s+(?:across|into|south|north|to\s+the\s+(?:south|north)))\b"
    r"|넘어|넘었|넘은|넘는|건너|건넜|귀순|월북|월남|남하|도주|탈출|헤엄|표류|망명|입국|상륙|착륙"
    r"|돌아(?:왔|갔|온|간|가|오)|내려(?:왔|온)",
    re.IGNORECASE,
)

#: places inside a larger place (child -> parents): naming both is no conflict
PARENT: dict[str, tuple[str, ...]] = {
    "place:jsa": ("place:paju", "place:western-front"),
    "place:paju": ("place:western-front",),
    "place:gimpo": ("place:western-front", "place:estuary"),
    "place:gyodong": ("place:ganghwa", "place:western-front", "place:estuary", "place:yellow-sea"),
    "place:ganghwa": ("place:western-front", "place:estuary", "place:yellow-sea"),
    "place:kaesong": ("place:western-front",),
    "place:imjin": ("place:western-front", "place:midwestern-front"),
    "place:yeoncheon": ("place:western-front", "place:midwestern-front"),
    "place:midwestern-front": ("place:central-front", "place:western-front"),
    "place:cheorwon": ("place:central-front", "place:midwestern-front"),
    "place:hwacheon": ("place:central-front",),
    "place:yanggu": ("place:central-front", "place:eastern-front"),
    "place:inje": ("place:eastern-front",),
    "place:goseong": ("place:eastern-front", "place:east-sea"),
    "place:sokcho": ("place:eastern-front", "place:east-sea"),
    "place:samcheok": ("place:east-sea",),
    "place:yeonpyeong": ("place:yellow-sea",),
    "place:baengnyeong": ("place:yellow-sea",),
    "place:beijing": ("place:china",),
    "place:ningbo": ("place:china",),
    "place:shenyang": ("place:china",),
    "place:hong-kong": ("place:china",),
}

#: every place that lies inside another or has one inside it
NESTING = frozenset(PARENT) | frozenset(p for parents in PARENT.values() for p in parents)

#: places every border story names: they link reports a little and never set them apart
GENERIC = frozenset(
    {"place:dmz", "place:mdl", "place:nll", "place:suwon", "place:united-states", "place:china"}
)

#: "<direction> <part> of the <border>" -> the front it names
_FRONTS = {
    "central": "place:central-front",
    "east": "place:eastern-front",
    "eastern": "place:eastern-front",
    "west": "place:western-front",
    "western": "place:western-front",
    "midwestern": "place:midwestern-front",
    "mid-western": "place:midwestern-front",
    "central-western": "place:midwestern-front",
    "west-central": "place:midwestern-front",
    "middle": "place:central-front",
}
_SECTOR = re.compile(
    r"\b(?P<dir>central-western|west-central|mid-?western|central|middle|eastern|western|east|west)"
    r"(?:ern)?\s+(?:part|section|sector|portion|stretch|area|segment|end)s?\s+of\s+(?:the\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:border|frontier|dmz|demilitari[sz]ed\s+zone|mdl"
    r"|military\s+demarcation\s+line|demarcation\s+line)\b",
    re.IGNORECASE,
)


def sector_tags(text: str) -> list[tuple[int, str]]:
    """(offset, front tag) for every "<direction> part of the border" phrase in the text."""
    out = []
    for m in _SECTOR.finditer(text):
        tag = _FRONTS.get(m.group("dir").lower())
        if tag:
            out.append((m.start(), tag))
    return out


def compatible(a: str, b: str) -> bool:
    """True when two place tags can name one spot (equal, or one lies inside the other)."""
    return a == b or b in PARENT.get(a, ()) or a in PARENT.get(b, ())
