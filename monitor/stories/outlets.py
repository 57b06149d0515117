"""Canonical names for news outlets and official sources, so credits compare equal.

"Yonhap", "Yonhap News Agency", "연합뉴스" and "YNA" are one origin; without this table a
story would count the same newsroom three times. The table lists public institutions,
not corpus data; unknown names pass through trimmed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["OUTLETS", "Outlet", "is_official", "mention_pattern", "normalize_outlet"]


@dataclass(frozen=True, slots=True)
class Outlet:
    """One newsroom or official body and the names news text uses for it."""

    name: str
    aliases: tuple[str, ...]
    official: bool = False  # a government body (can confirm), not a newsroom


def _o(name: str, *aliases: str, official: bool = False) -> Outlet:
    return Outlet(name, (name, *aliases), official)


OUTLETS: tuple[Outlet, ...] = (
    # Korean wires, papers and broadcasters
    _o("Yonhap", "Yonhap News Agency", "Yonhap News", "Yonhap News TV", "YNA", "연합뉴스"),
    _o("JoongAng Ilbo", "Korea JoongAng Daily", "JoongAng Daily", "JoongAng", "중앙일보"),
    _o("Chosun Ilbo", "The Chosun Ilbo", "Chosun.com", "조선일보"),
    _o("TV Chosun", "TV조선"),
    _o("Dong-A Ilbo", "DongA Ilbo", "The Dong-A Ilbo", "동아일보"),
    _o("Hankyoreh", "The Hankyoreh", "한겨레"),
    _o("Kyunghyang Shinmun", "경향신문"),
    _o("Hankook Ilbo", "한국일보"),
    _o("Korea Herald", "The Korea Herald", "코리아헤럴드"),
    _o("Korea Times", "The Korea Times", "코리아타임스"),
    _o("Maeil Business Newspaper", "Maeil Business", "Maeil Kyungje", "매일경제"),
    _o("KBS", "KBS World", "KBS News", "Korean Broadcasting System", "한국방송", "KBS뉴스"),
    _o("MBC", "Munhwa Broadcasting Corporation", "문화방송"),
    _o("SBS", "Seoul Broadcasting System"),
    _o("JTBC"),
    _o("YTN"),
    _o("Channel A", "채널A"),
    _o("MBN"),
    _o("News1", "뉴스1"),
    _o("Newsis", "뉴시스"),
    _o("Arirang", "Arirang TV", "아리랑TV"),
    # North Korea-focused outlets
    _o("NK News", "NKNews", "NK Pro"),
    _o("Daily NK", "DailyNK", "데일리NK"),
    _o("Radio Free Asia", "RFA", "자유아시아방송"),
    _o("Voice of America", "VOA", "미국의소리"),
    _o("KCNA", "Korean Central News Agency", "조선중앙통신"),
    _o("Rodong Sinmun", "노동신문"),
    # International wires and broadcasters
    _o("AP", "Associated Press", "The Associated Press", "AP News"),
    _o("Reuters", "Thomson Reuters"),
    _o("AFP", "Agence France-Presse", "Agence France Presse", "France-Presse"),
    _o("UPI", "United Press International"),
    _o("Kyodo", "Kyodo News", "Kyodo News Agency", "교도통신", "共同通信"),
    _o("Xinhua", "Xinhua News Agency", "신화통신", "新华社"),
    _o("NHK", "Japan Broadcasting Corporation", "NHK World"),
    _o("Jiji Press", "Jiji", "지지통신", "時事通信"),
    _o("Sankei Shimbun", "Sankei", "The Sankei Shimbun", "산케이신문", "산케이", "産経新聞"),
    _o("Asahi Shimbun", "The Asahi Shimbun", "Asahi", "아사히신문", "朝日新聞"),
    _o("Yomiuri Shimbun", "The Yomiuri Shimbun", "Yomiuri", "요미우리신문", "読売新聞"),
    _o("Mainichi Shimbun", "The Mainichi", "Mainichi", "마이니치신문", "毎日新聞"),
    _o("Nikkei", "Nikkei Asia", "Nihon Keizai Shimbun", "니혼게이자이신문", "日本経済新聞"),
    _o("Tokyo Shimbun", "도쿄신문", "東京新聞"),
    _o("PTI", "Press Trust of India"),
    _o("ANI", "Asian News International"),
    _o("TASS", "ITAR-TASS"),
    _o("RIA Novosti", "RIA"),
    _o("Interfax"),
    _o("CGTN", "China Global Television Network"),
    _o("Global Times", "환구시보"),
    _o("South China Morning Post", "SCMP"),
    _o("The Straits Times", "Straits Times"),
    _o("Al Jazeera"),
    _o("Deutsche Welle", "DW"),
    _o("Sky News"),
    _o("Stars and Stripes"),
    _o("Newsweek"),
    _o("Los Angeles Times", "LA Times", "L.A. Times"),
    _o("Chicago Tribune"),
    _o("Financial Times", "FT"),
    _o("The Telegraph", "Daily Telegraph"),
    _o("The Economist"),
    _o("NBC News", "NBC"),
    _o("CBS News", "CBS"),
    _o("ABC News"),
    _o("Fox News"),
    _o("NPR", "National Public Radio"),
    _o("Politico"),
    _o("Axios"),
    _o("Segye Ilbo", "세계일보"),
    _o("Seoul Shinmun", "서울신문"),
    _o("Munhwa Ilbo", "문화일보"),
    _o("Kukmin Ilbo", "국민일보"),
    _o("Korea Economic Daily", "Hankyung", "한국경제"),
    _o("Money Today", "머니투데이"),
    _o("Edaily", "이데일리"),
    _o("CBS Nocut News", "Nocut News", "노컷뉴스"),
    _o("OhmyNews", "오마이뉴스"),
    _o("Pressian", "프레시안"),
    _o("BBC News", "BBC", "BBC World Service", "BBC Korean"),
    _o("CNN"),
    _o("Bloomberg", "Bloomberg News"),
    _o("The New York Times", "New York Times"),
    _o("The Washington Post", "Washington Post"),
    _o("The Wall Street Journal", "Wall Street Journal"),
    _o("The Guardian"),
    # South Korean official sources
    _o(
        "Unification Ministry",
        "Ministry of Unification",
        "Unification ministry",
        "통일부",
        official=True,
    ),
    _o(
        "National Intelligence Service",
        "NIS",
        "국정원",
        "국가정보원",
        "South Korea's spy agency",
        "Seoul's spy agency",
        "the South's spy agency",
        # Korea news names it by its trade once the country is clear ("lawmakers briefed by
        # the spy agency"); another state's agency is written with its owner ("Russia's spy agency")
        "the spy agency",
        "South Korean spy agency",
        official=True,
    ),
    _o(
        "Agency for National Security Planning",
        "National Security Planning Agency",
        "ANSP",
        "안기부",
        "국가안전기획부",
        official=True,
    ),
    _o(
        "Cheong Wa Dae",
        "Blue House",
        "South Korea's presidential office",
        "South Korean presidential office",
        "청와대",
        official=True,
    ),
    _o(
        "South Korean Foreign Ministry",
        "South Korea's Foreign Ministry",
        "Seoul's Foreign Ministry",
        "외교부",
        official=True,
    ),
    _o("State Department", "U.S. State Department", "US State Department", "국무부", official=True),
    _o("National Police Agency", "경찰청", official=True),
    _o("Joint Chiefs of Staff", "JCS", "합참", "합동참모본부", official=True),
    _o(
        "Ministry of National Defense",
        "Defense Ministry",
        "Ministry of Defense",
        "MND",
        "국방부",
        official=True,
    ),
    _o("Korea Coast Guard", "해양경찰청", "해경", official=True),
)

_SPACE = re.compile(r"\s+")


def _key(name: str) -> str:
    return _SPACE.sub(" ", name).strip().casefold()


def _alias_map() -> Mapping[str, str]:
    table: dict[str, str] = {}
    for outlet in OUTLETS:
        for alias in outlet.aliases:
            table[_key(alias)] = outlet.name
            if alias.casefold().startswith("the "):
                table[_key(alias[4:])] = outlet.name
    return table


_ALIASES = _alias_map()
_OFFICIAL = frozenset(o.name for o in OUTLETS if o.official)
_SUFFIX = re.compile(r"\s+(?:news agency|newspaper|daily|agency|broadcaster)$", re.IGNORECASE)


def normalize_outlet(name: str) -> str:
    """The canonical name of an outlet or official source; unknown names come back trimmed."""
    clean = _SPACE.sub(" ", name).strip()
    key = clean.casefold()
    bare = key.removeprefix("the ")
    for candidate in (key, bare, _SUFFIX.sub("", key), _SUFFIX.sub("", bare)):
        if candidate in _ALIASES:
            return _ALIASES[candidate]
    return clean


def is_official(name: str, official_sources: tuple[str, ...] | list[str] = ()) -> bool:
    """True for a government body: one of `official_sources` (normalized) or the table's."""
    canonical = normalize_outlet(name)
    if official_sources:
        return canonical in {normalize_outlet(s) for s in official_sources}
    return canonical in _OFFICIAL


@lru_cache(maxsize=1)
def mention_pattern() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Two compiled alternations (exact-case acronyms, case-insensitive names), longest first.

    Acronyms such as AP, NIS or JCS must match in capitals only ("ap" is not a wire). The
    boundary lookbehind stands before the alternation, not in each branch, so the engine
    gives up at once inside a word instead of trying every name there.
    """
    exact: list[str] = []
    loose: list[str] = []
    hangul: list[str] = []
    aliases = {alias: None for outlet in OUTLETS for alias in outlet.aliases}
    for alias in sorted(aliases, key=len, reverse=True):
        body = re.escape(alias).replace(r"\ ", r"\s+")
        if re.search(r"[가-힣]", alias):
            hangul.append(body)
        elif alias.isupper() and len(alias) <= 5:
            exact.append(body)
        else:
            loose.append(body)
    latin = r"(?<![\w-])(?:{})(?![\w-])"
    return (
        re.compile(latin.format("|".join(exact))),
        re.compile(
            latin.format("|".join(loose)) + r"|(?<![가-힣])(?:{})".format("|".join(hangul)),
            re.IGNORECASE,
        ),
    )
