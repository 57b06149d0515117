"""Name variants are generated from the canonical name: every spelling kind news uses."""

from __future__ import annotations

import pytest

from monitor.match import hangul_variants, korean_name_variants, normalize, person_variants
from monitor.match.variants import is_safe_variant, split_syllables


@pytest.mark.parametrize(
    ("canonical", "variant", "kind"),
    [
        ("Thae Yong-ho", "thae yong-ho", "canonical, lowercased"),
        ("Thae Yong-ho", "thae yong ho", "space between given-name syllables"),
        ("Thae Yong-ho", "thae yongho", "nothing between given-name syllables"),
        ("Thae Yongho", "thae yong-ho", "run-together given name split into syllables"),
        ("Thae Yong-ho", "yong-ho thae", "Western order"),
        ("Ryu Hyun-woo", "hyun-woo ryu", "Western order"),
        ("Thae Yong-ho", "tae yong-ho", "family name Thae/Tae"),
        ("Thae Yong-ho", "tae yong ho", "family name and separator together"),
        ("Ri Il-gyu", "lee il-gyu", "family name Ri/Lee"),
        ("Ri Il-gyu", "rhee il-gyu", "family name Ri/Rhee"),
        ("Ri Il-gyu", "yi il-gyu", "family name Ri/Yi"),
        ("Ri Il-gyu", "ri il-kyu", "syllable gyu/kyu"),
        ("Jo Song-gil", "cho song-gil", "family name Jo/Cho"),
        ("Jo Song-gil", "jo seong-gil", "syllable song/seong"),
        ("Jo Song-gil", "jo sung-gil", "syllable song/sung"),
        ("Ryu Hyun-woo", "yu hyun-woo", "family name Ryu/Yu"),
        ("Ryu Hyun-woo", "lyu hyun-woo", "family name Ryu/Lyu"),
        ("Ryu Hyun-woo", "ryoo hyun-woo", "family name Ryu/Ryoo"),
        ("Ryu Hyun-woo", "ryu hyon-woo", "syllable hyun/hyon"),
        ("Ryu Hyun-woo", "ryu hyun-u", "syllable woo/u"),
        ("Ryu Hyun-woo", "ryu hyon u", "McCune-Reischauer: hyon and u"),
        ("Park Yeon-mi", "pak yeon-mi", "family name Park/Pak"),
        ("Park Yeon-mi", "yeonmi park", "Western order, run together"),
        ("Choe Son Hui", "choi son hui", "family name Choe/Choi"),
        ("Choe Son Hui", "choe son-hui", "hyphen added"),
        ("Jon Il-chun", "jeon il-chun", "family name Jon/Jeon"),
        ("Jon Il-chun", "jon il chun", "space"),
        ("Oh Chong-song", "o chong-song", "family name Oh/O"),
        ("Hwang Jang-yop", "hwang jang-yeop", "syllable yop/yeop"),
        ("Kim Jong Un", "kim jong-un", "hyphen between syllables"),
        ("Kim Jong Un", "kim jung-un", "syllable jong/jung"),
        ("Kim Jong Un", "kim jong-eun", "syllable un/eun"),
        ("Kim Kuk-song", "kim kook-song", "syllable kuk/kook"),
        ("Hyon Hak-bong", "hyun hak-bong", "family name Hyon/Hyun"),
    ],
)
def test_generated_variant(canonical: str, variant: str, kind: str) -> None:
    assert variant in korean_name_variants(canonical), kind


@pytest.mark.parametrize(
    ("hangul", "form"),
    [
        ("태영호", "태영호"),
        ("태영호", "태영호는"),  # topic, after a vowel
        ("태영호", "태영호가"),  # subject, after a vowel
        ("태영호", "태영호의"),  # possessive
        ("태영호", "태영호를"),  # object, after a vowel
        ("태영호", "태영호에게"),  # dative
        ("태영호", "태영호씨"),
        ("김정은", "김정은은"),  # topic, after a final consonant
        ("김정은", "김정은이"),  # subject, after a final consonant
        ("김정은", "김정은을"),  # object, after a final consonant
    ],
)
def test_hangul_particles(hangul: str, form: str) -> None:
    assert form in hangul_variants(hangul)


@pytest.mark.parametrize(
    ("hangul", "wrong"),
    [
        ("태영호", "태영호은"),
        ("태영호", "태영호이"),
        ("김정은", "김정은는"),
        ("김정은", "김정은가"),
    ],
)
def test_hangul_particles_follow_the_last_syllable(hangul: str, wrong: str) -> None:
    assert wrong not in hangul_variants(hangul)


def test_aliases_add_what_generation_cannot_know() -> None:
    variants = person_variants("Thae Yong-ho", ["Thae Ku-min", "태구민"], "태영호")
    assert {"thae ku-min", "tae ku min", "태구민", "태구민은", "태영호는"} <= set(variants)


def test_alternatives_off_keeps_only_separators_and_order() -> None:
    variants = person_variants("Ri Jong-ho", alternatives=False)
    assert set(variants) == {"ri jong-ho", "ri jong ho", "ri jongho", "jong-ho ri", "jong ho ri",
                             "jongho ri"}  # fmt: skip


def test_non_korean_names_are_taken_as_written() -> None:
    assert person_variants("James Dresnok", korean=False) == ["james dresnok"]


@pytest.mark.parametrize(
    "variant",
    ["oh", "song", "yu", "jon", "yu son", "oh song", "o il", "li"],
)
def test_short_or_common_variants_are_unsafe(variant: str) -> None:
    assert not is_safe_variant(variant)


@pytest.mark.parametrize("variant", ["ri yong ho", "thae yong-ho", "yu son-hui", "태영호"])
def test_full_names_are_safe(variant: str) -> None:
    assert is_safe_variant(variant)


def test_no_variant_is_a_lone_word() -> None:
    for name in ("Oh Chong-song", "Yu Song-il", "Jon Il-chun", "So Chang-sik", "Ri Yong-ho"):
        for variant in korean_name_variants(name):
            assert len(variant.split()) >= 2, variant


def test_variants_are_deterministic_and_capped() -> None:
    first = korean_name_variants("Ryu Hyun-woo", cap=40)
    assert first == korean_name_variants("Ryu Hyun-woo", cap=40)
    assert len(first) == 40
    assert first[0] == "ryu hyun-woo"
    assert len(korean_name_variants("Ryu Hyun-woo")) <= 160


@pytest.mark.parametrize(
    ("word", "syllables"),
    [("yongho", ["yong", "ho"]), ("hyunwoo", ["hyun", "woo"]), ("xqz", ["xqz"])],
)
def test_split_syllables(word: str, syllables: list[str]) -> None:
    assert split_syllables(word) == syllables


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("Thae Yong\u2011ho", "thae yong-ho"),  # non-breaking hyphen
        ("Thae Yong\u2013ho", "thae yong-ho"),  # en dash
        ("THAE\u00a0YONG-HO", "thae yong-ho"),  # no-break space, capitals
        ("Ryu Hy\u014fn U", "ryu hyon u"),  # McCune-Reischauer breve
        ("North Korea\u2019s", "north korea's"),  # curly apostrophe
        ("\u201cdefector\u201d", '"defector"'),
        ("\uff24\uff30\uff32\uff2b", "dprk"),  # full-width letters (NFKC)
        ("태영호는", "태영호는"),  # Hangul is kept composed
    ],
)
def test_normalize(written: str, normalized: str) -> None:
    assert normalize(written).text == normalized


def test_normalize_maps_offsets_back_to_the_original() -> None:
    original = "Stra\u00dfe Thae Yong\u2011ho"  # ß folds to "ss": one char longer
    norm = normalize(original)
    start = norm.text.index("thae")
    s, e = norm.span(start, start + len("thae yong-ho"))
    assert original[s:e] == "Thae Yong\u2011ho"
