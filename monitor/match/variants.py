"""Name variants generated from a canonical name: the spellings news actually uses.

A maintainer types "Thae Yong-ho" once; this module derives "Thae Yong Ho",
"Thae Yongho", "Yong-ho Thae", "Tae Yong-ho", "Tae Young-ho" ... and, from the Hangul
form, "태영호는", "태영호가" .... Output is lowercase, deterministic and capped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from monitor.match.normalize import is_hangul, normalize_term

DEFAULT_CAP = 160


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Family names: the spellings of one Korean surname in news copy (North and South usage,
# McCune-Reischauer, Revised Romanization, and common personal spellings).
_FAMILY_GROUPS: tuple[tuple[str, ...], ...] = (
    ("ri", "lee", "rhee", "yi", "li", "rhie"),
    ("jo", "cho", "joe"),
    ("ryu", "yu", "lyu", "ryoo", "yoo"),
    ("thae", "tae"),
    ("pak", "park", "bak", "pack"),
    ("choe", "choi", "chwe", "choy"),
    ("jon", "jeon", "chon", "chun", "jun"),
    ("o", "oh"),
    ("kim", "gim"),
    ("jang", "chang"),
    ("ji", "chi"),
    ("kang", "gang"),
    ("shin", "sin", "shinn"),
    ("jong", "jeong", "chong", "jung", "chung"),
    ("ko", "go", "koh"),
    ("yun", "yoon"),
    ("im", "lim", "rim"),
    ("ryang", "yang"),
    ("so", "seo", "suh"),
    ("hyon", "hyun", "hyeon"),
    ("kwon", "gwon"),
    ("paek", "baek", "paik"),
    ("mun", "moon"),
    ("ro", "roh", "no", "noh"),
    ("an", "ahn"),
    ("hwang", "whang"),
    ("han",),
    ("hong",),
    ("kwak", "gwak"),
    ("nam",),
    ("song",),
    ("sim", "shim"),
    ("chae",),
    ("ju", "joo", "chu"),
    ("u", "woo"),
    ("kil", "gil"),
    ("ku", "koo", "gu"),
    ("kye", "gye"),
    ("tak",),
    ("myong", "myung", "myeong"),
)

# Given-name syllables: each list starts with its most common spelling.
_SYLLABLE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("woo", "u", "wu"),
    ("hyun", "hyon", "hyeon"),
    ("jong", "jung", "chong", "jeong", "cheong"),
    ("song", "seong", "sung"),
    ("sung", "song", "seong"),
    ("yop", "yeop", "yup", "yeob"),
    ("yong", "young", "yeong"),
    ("chol", "cheol", "chul"),
    ("hui", "hee", "hi", "heui"),
    ("gil", "kil"),
    ("sik", "shik"),
    ("chun", "chon", "cheon"),
    ("un", "eun"),
    ("son", "seon", "sun"),
    ("kuk", "guk", "kook"),
    ("gyu", "kyu"),
    ("ryon", "ryeon", "ryun", "lyon"),
    ("yon", "yeon", "yun"),
    ("yeon", "yon", "yun"),
    ("hyuk", "hyeok", "hyok"),
    ("jin", "chin"),
    ("myung", "myong", "myeong"),
    ("chang", "jang"),
    ("jang", "chang"),
    ("su", "soo"),
    ("ju", "joo", "chu"),
    ("gu", "ku", "goo", "koo"),
    ("du", "doo", "tu"),
    ("bong", "pong"),
    ("bok", "pok"),
    ("dong", "tong"),
    ("gwang", "kwang"),
    ("gwan", "kwan"),
    ("gon", "geon", "kon", "kun"),
    ("il",),
    ("ho",),
    ("hak",),
    ("mi",),
    ("hwan",),
    ("nam",),
    ("ok",),
    ("thaek", "taek"),
    ("chan",),
    ("sang",),
    ("seok", "sok", "suk"),
    ("ung", "eung"),
    ("ryong", "ryeong", "ryung"),
    ("min",),
    ("gi", "ki"),
    ("gun", "kun", "geun"),
    ("do", "to"),
    ("dok", "deok", "tok"),
    ("hyang",),
    ("yol", "yeol", "yul"),
    ("chul", "chol", "cheol"),
    ("sop", "seop"),
    ("pil",),
    ("gyong", "gyeong", "kyong", "kyung"),
    ("kyong", "kyung", "gyeong", "gyong"),
    ("mun", "moon"),
    ("yo", "yeo"),
)

_FAMILY: dict[str, tuple[str, ...]] = {}
for _group in _FAMILY_GROUPS:
    for _name in _group:
        _FAMILY.setdefault(_name, (_name, *(g for g in _group if g != _name)))
_SYLLABLE: dict[str, tuple[str, ...]] = {}
for _group in _SYLLABLE_GROUPS:
    _SYLLABLE.setdefault(_group[0], _group)
for _group in _SYLLABLE_GROUPS:
    for _name in _group[1:]:
        _SYLLABLE.setdefault(_name, (_name, *(s for s in _group if s != _name)))

KNOWN_SYLLABLES: frozenset[str] = frozenset(_SYLLABLE) | _words(
    "a ae ba bae bin bo bu cha chae che cho chu e gam gang go gong ha hae han he heon hi ho "
    "hoe hong hwa hye hyo i in jae je jeo jo ju ka kang ko ma man mo mok mu na nae ni "
    "o pa pyo ra rak ri rim ro ru sa se sei shin si so sol sok su ta tae te ui wa wan "
    "wol won ya yang ye yi yo yu"
)

# English words (and particles of other languages) that a name token must not be alone.
COMMON_WORDS: frozenset[str] = _words(
    "a an and as at be by do go he hi i if in is it me my no of oh on or so to up us we "
    "ah am ha ho yo yu ye jo ok "
    "son sun song sung young yong moon sang bang hong long gang pang ping pong chin gun "
    "nam man min mi bin pan ban han jin tan tin ten yen yes nap bong dong king kong "
    "chung jung chang lee lie lim lin li ran ray ring rim roh yang park chan yun hang "
    "way woo won wan yi jon ko su"
)

# Hangul particles that may follow a name (after a final consonant / after a vowel).
_AFTER_CONSONANT = ("은", "이", "을", "과", "으로", "이다", "이라는", "이었다", "아")
_AFTER_VOWEL = ("는", "가", "를", "와", "로", "다", "라는", "였다", "야")
_EITHER = (
    "의",
    "에게",
    "에게서",
    "한테",
    "도",
    "만",
    "께서",
    "씨",
    "씨는",
    "씨가",
    "씨의",
    "씨를",
    "씨와",
    "씨에게",
    "에",
    "에서",
    "까지",
    "부터",
    "측",
    "측은",
    "측이",
    "조차",
    "마저",
    "처럼",
    "보다",
)


def family_spellings(family: str) -> tuple[str, ...]:
    """The canonical family name first, then its alternative romanizations."""
    key = family.lower()
    return _FAMILY.get(key, (key,))


def syllable_spellings(syllable: str) -> tuple[str, ...]:
    """A given-name syllable first, then its alternative romanizations."""
    key = syllable.lower()
    return _SYLLABLE.get(key, (key,))


def split_syllables(word: str) -> list[str]:
    """Split a run-together given name ("yongho") into known syllables, or keep it whole."""
    word = word.lower()
    best: list[str] | None = None

    def walk(rest: str, acc: list[str]) -> None:
        nonlocal best
        if best is not None:
            return
        if not rest:
            best = acc
            return
        for size in range(min(6, len(rest)), 0, -1):
            head = rest[:size]
            if head in KNOWN_SYLLABLES:
                walk(rest[size:], [*acc, head])

    walk(word, [])
    return best if best and len(best) <= 3 else [word]


def _given_syllables(tokens: list[str]) -> list[str]:
    syllables: list[str] = []
    for token in tokens:
        parts = [p for p in token.split("-") if p]
        if len(parts) == 1 and len(tokens) == 1:
            parts = split_syllables(parts[0])
        syllables.extend(parts)
    return syllables


def is_safe_variant(variant: str) -> bool:
    """False for a variant that could be ordinary words: one short token, or two common ones."""
    if any(is_hangul(c) for c in variant):
        return len(variant) >= 2
    tokens = variant.split()
    if len(tokens) < 2:
        return len(variant) >= 4 and variant not in COMMON_WORDS
    if sum(c.isalpha() for c in variant) < 5:
        return False
    # "Yu Son", "Oh Song": two ordinary words; three syllables make a name ("Ri Yong Ho").
    return len(tokens) > 2 or not all(t in COMMON_WORDS or len(t) <= 2 for t in tokens)


def korean_name_variants(
    name: str, *, cap: int = DEFAULT_CAP, alternatives: bool = True
) -> list[str]:
    """Spellings of a romanized Korean name, family name first in `name`; canonical first."""
    tokens = normalize_term(name).split()
    if len(tokens) < 2:
        return [normalize_term(name)]
    family, given_tokens = tokens[0], tokens[1:]
    syllables = _given_syllables(given_tokens)
    if alternatives:
        families = family_spellings(family)
        options = [syllable_spellings(s) for s in syllables]
    else:  # only separators and order: for names whose other spellings are too common
        families = (family,)
        options = [(s,) for s in syllables]
    combos: list[tuple[int, int, tuple[str, ...], str]] = []
    for fam_rank, fam in enumerate(families):
        for choice in itertools.product(*(range(len(o)) for o in options)):
            given = tuple(options[i][c] for i, c in enumerate(choice))
            changes = (fam_rank > 0) + sum(c > 0 for c in choice)
            combos.append((changes, fam_rank + sum(choice), given, fam))
    combos.sort(key=lambda c: (c[0], c[1]))  # fewest changes first; stable otherwise
    out: list[str] = []
    seen: set[str] = set()

    def add(v: str) -> None:
        if v not in seen and is_safe_variant(v):
            seen.add(v)
            out.append(v)

    add(" ".join(tokens))
    for changes, _rank, given, fam in combos:
        if len(given) == 1:
            joined = [given[0]]
        else:
            joined = ["-".join(given), " ".join(given), "".join(given)]
        for g in joined:
            add(f"{fam} {g}")
        if changes <= 1:  # Western order (given name first) for the common spellings
            for g in joined if changes == 0 else joined[:2]:
                add(f"{g} {fam}")
        if len(out) >= cap:
            break
    return out[:cap]


def hangul_variants(hangul: str) -> list[str]:
    """A Hangul name and the name followed by each particle that fits its last syllable."""
    base = "".join(hangul.split())
    if not base:
        return []
    last = base[-1]
    has_final = 0xAC00 <= ord(last) <= 0xD7A3 and (ord(last) - 0xAC00) % 28 != 0
    particles = (_AFTER_CONSONANT if has_final else _AFTER_VOWEL) + _EITHER
    return [base, *(base + p for p in particles)]


def person_variants(
    name: str,
    aliases: Iterable[str] = (),
    hangul: str | None = None,
    *,
    korean: bool = True,
    alternatives: bool = True,
    cap: int = DEFAULT_CAP,
) -> list[str]:
    """Every pattern that names one person: generated variants of name and aliases, Hangul."""
    out: list[str] = []
    seen: set[str] = set()
    sources = [name, *aliases]
    for source in sources:
        if any(is_hangul(c) for c in source):
            generated = hangul_variants(source)
        elif korean:
            generated = korean_name_variants(source, cap=cap, alternatives=alternatives)
        else:
            term = normalize_term(source)
            generated = [term] if is_safe_variant(term) else []
        for v in generated:
            if v not in seen:
                seen.add(v)
                out.append(v)
    if hangul:
        for v in hangul_variants(hangul):
            if v not in seen:
                seen.add(v)
                out.append(v)
    return out
