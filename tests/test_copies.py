"""Copy detection over all recent bodies: wrapping removed by class, containment decides.

Texts here are written for the test; each case stands for a class of what reposting sites
do (caption before the dateline, relay dateline, trailers, cuts, writethrus).
"""

from __future__ import annotations

import hashlib
import pickle
from array import array
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.stories import StoriesConfig
from monitor.domain import Article
from monitor.pipeline.copies import detect_copy
from monitor.store import copies as store
from monitor.store.db import transaction
from monitor.stories.copies import (
    COPY_CONTAINMENT,
    SAMPLE_MOD,
    CopyIndex,
    Signature,
    SignatureCache,
    containment,
    copy_text,
    signature,
)
from monitor.stories.fingerprint import tokens
from tests.seeding import add_feed, store_article

T0 = datetime(2031, 5, 6, 1, 0, tzinfo=UTC)

WIRE = "\n\n".join(
    [
        "TOKYO (Kyodo) -- A fishing crew of four from the North drifted into Japanese waters "
        "off Niigata late on Monday and asked to be sent on to a third country, the coast "
        "guard said.",
        "The wooden vessel was spotted by a patrol plane about 30 kilometers off the coast, "
        "and all four men appeared to be in good health after nine days at sea.",
        "Officials said the men told interpreters they had run out of fuel near the Russian "
        "border and drifted south for more than a week before their engine failed completely.",
        "The government in Tokyo has handled similar arrivals quietly in the past, "
        "questioning the crew before deciding where they may go.",
        "A spokesman for the foreign ministry said talks with other governments had begun but "
        "gave no timetable for a decision on where the four men will be allowed to settle.",
    ]
)
OTHER_REPORT = "\n\n".join(
    [
        "NIIGATA, Japan -- Four men from the North who reached the coast of Niigata in a "
        "battered wooden boat have asked for passage to another country, officials said.",
        "Residents of a nearby fishing village said they had watched patrol boats tow the "
        "vessel to the harbor on Tuesday morning while police closed the pier.",
        "It was not clear how long the men had been at sea. Local officials said they were "
        "being looked after at a police facility.",
    ]
)


def _wrapped(kind: str) -> str:
    paras = WIRE.split("\n\n")
    if kind == "caption before dateline":
        return "A coast guard vessel tows a small boat into port. (Kyodo via Pool Photo)\n\n" + WIRE
    if kind == "relay dateline":
        return WIRE.replace("TOKYO (Kyodo) -- ", "Tokyo, May 6 (Kyodo) ")
    if kind == "rights trailer":
        return WIRE + "\n\nCopyright 2031 Kyodo News. All rights reserved. This material may not "
        "be published, broadcast, rewritten or redistributed."
    if kind == "feed notice":
        return (
            WIRE + "\n\n(This story has not been edited by our staff and is auto-generated "
            "from a syndicated feed.)"
        )
    if kind == "credits":
        return WIRE + "\n\n(Reporting by Aiko Sato; Editing by Tom Reed)"
    if kind == "cut to the first paragraphs":
        return "\n\n".join(paras[:3])
    if kind == "writethru with paragraphs added":
        return "\n\n".join(
            [
                *paras,
                "Later on Tuesday the coast guard said a second boat had been sighted further "
                "north, though it was not known whether anyone was aboard it.",
                "Officials said they would also examine the first vessel's engine and fuel "
                "tanks to confirm the crew's account of their journey.",
            ]
        )
    if kind == "new headline and no dateline":
        return WIRE.replace("TOKYO (Kyodo) -- ", "")
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "caption before dateline",
        "relay dateline",
        "rights trailer",
        "feed notice",
        "credits",
        "cut to the first paragraphs",
        "writethru with paragraphs added",
        "new headline and no dateline",
    ],
)
def test_reposted_agency_text_is_a_copy(kind: str) -> None:
    assert containment(signature(_wrapped(kind)), signature(WIRE)) >= 0.9


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("In this photo provided by the coast guard, a boat is towed.\n\n" + WIRE, "photo"),
        ("Boat is towed. (AP Photo/Jo Lee)\n\n" + WIRE, "AP Photo"),
        (WIRE + "\n\nCopyright 2031 The Associated Press. All rights reserved.", "Copyright"),
        (WIRE + "\n\nAdditional reporting by Kim Min-ji in Seoul", "Additional"),
        (WIRE + "\n\n© 2031 Some Paper Ltd", "©"),
        (WIRE + "\n\n저작권자 ⓒ 어느신문, 무단 전재 및 재배포 금지", "무단"),
    ],
)
def test_wrapping_is_removed_by_class(text: str, gone: str) -> None:
    cleaned = copy_text(text)
    assert gone not in cleaned
    assert "drifted into Japanese waters" in cleaned
    assert not cleaned.startswith("TOKYO")  # the dateline goes too


def test_a_long_paragraph_that_mentions_copyright_is_reporting() -> None:
    para = (
        "The court ruled that the copyright claim over the defector's memoir had no merit, "
        "and said the publisher could keep selling the book in every shop across the country "
        "while the author's family appealed, a process that could take at least two years."
    )
    assert para in copy_text(para)


def test_another_outlets_report_of_the_same_event_is_not_a_copy() -> None:
    assert containment(signature(OTHER_REPORT), signature(WIRE)) < COPY_CONTAINMENT


def test_a_brief_is_too_short_to_be_anything_s_copy() -> None:
    sig = signature("Four men reached Niigata by boat.")
    assert not sig.usable
    index = CopyIndex()
    index.add(1, signature(WIRE))
    assert index.find(sig) is None


def test_a_copy_of_a_copy_points_to_the_root() -> None:
    index = CopyIndex()
    index.add(1, signature(WIRE))
    first = index.find(signature(_wrapped("rights trailer")))
    assert first is not None and first.root == 1
    index.add(2, signature(_wrapped("rights trailer")), first.root)
    second_sig = signature(_wrapped("cut to the first paragraphs"))
    index.add(99, signature(OTHER_REPORT))
    found = index.find(second_sig)
    assert found is not None and found.root == 1  # whichever copy it matched, the root


# --- the database index: survives restarts, sees every worker's bodies, keeps a window ----


def _store(sessions: sessionmaker[Session], n: int, text: str, when: datetime) -> Article:
    with transaction(sessions) as s:
        add_feed(s, "f", when)
        return store_article(
            s,
            url=f"https://x.invalid/{n}",
            text=text,
            when=when,
            feed_id="f",
            outlet="Site",
            title=f"Story {n}",
        )


def _detect(
    sessions: sessionmaker[Session],
    art: Article,
    cfg: StoriesConfig,
    cache: SignatureCache | None = None,
):
    with transaction(sessions) as s:
        assert art.published_at is not None
        return detect_copy(s, art, cfg, art.published_at, cache=cache)


def test_index_in_the_database_finds_copies_in_any_session(
    sessions: sessionmaker[Session],
) -> None:
    cfg = StoriesConfig()
    original = _store(sessions, 1, WIRE, T0)
    other = _store(sessions, 2, OTHER_REPORT, T0 + timedelta(minutes=5))
    assert _detect(sessions, original, cfg).match is None
    assert _detect(sessions, other, cfg).match is None
    # a new session (a restart, another worker): nothing in memory, the tables answer
    copy = _store(sessions, 3, _wrapped("caption before dateline"), T0 + timedelta(hours=1))
    found = _detect(sessions, copy, cfg).match
    assert found is not None and found.root == original.id and found.containment >= 0.9
    again = _store(sessions, 4, _wrapped("cut to the first paragraphs"), T0 + timedelta(hours=2))
    found2 = _detect(sessions, again, cfg).match
    assert found2 is not None and found2.root == original.id
    with transaction(sessions) as s:
        assert store.copy_link(s, again.id or 0)[0] == original.id


def test_bodies_older_than_the_window_are_not_compared(sessions: sessionmaker[Session]) -> None:
    cfg = StoriesConfig(copy_window=timedelta(days=30))
    old = _store(sessions, 1, WIRE, T0)
    _detect(sessions, old, cfg)
    late = _store(sessions, 2, _wrapped("rights trailer"), T0 + timedelta(days=31))
    assert _detect(sessions, late, cfg).match is None


def test_an_original_arriving_after_its_copy_becomes_the_root(
    sessions: sessionmaker[Session],
) -> None:
    cfg = StoriesConfig()
    copy = _store(sessions, 1, _wrapped("rights trailer"), T0 + timedelta(hours=2))
    assert _detect(sessions, copy, cfg).match is None  # nothing to copy yet
    original = _store(sessions, 2, WIRE, T0)  # published earlier, polled later
    result = _detect(sessions, original, cfg)
    assert result.match is None and result.displaced == copy.id
    with transaction(sessions) as s:
        assert store.copy_link(s, copy.id or 0)[0] == original.id
        assert store.copy_link(s, original.id or 0)[0] is None


def test_a_line_every_body_shares_brings_back_only_the_bodies_that_share_enough(
    sessions: sessionmaker[Session],
) -> None:
    # a site's standing line (a boilerplate shingle) is in every body of the window: the
    # lookup returns the few bodies sharing enough samples, most first, not every body
    ids = []
    with transaction(sessions) as s:
        add_feed(s, "f", T0)
        for n in range(1, 41):
            art = store_article(
                s,
                url=f"https://x.invalid/{n}",
                text="b",
                when=T0,
                feed_id="f",
                outlet="S",
                title=f"Story {n}",
            )
            ids.append(art.id or 0)
            # every body has sample 8 (the standing line); four have two more of their own
            samples = [8, 16 * n, 16 * n + 8] if n % 10 == 0 else [8]
            sig = Signature(array("q", range(200)), array("q", samples), b"")
            store.index_article(s, ids[-1], sig, seen_at=T0, root=None, source=None, share=0)
        probe = Signature(
            array("q", range(200)), array("q", [8, 160, 168, 320, 328, 480, 640]), b""
        )
        found = store.candidates(s, probe, since=T0, exclude=0, min_shared=2, limit=16)
        assert [(c.article_id, c.shared) for c in found] == [
            (ids[9], 3),
            (ids[19], 3),
            (ids[29], 2),
            (ids[39], 2),
        ]
        few = store.candidates(s, probe, since=T0, exclude=0, min_shared=2, limit=1)
        assert [c.article_id for c in few] == [ids[9]]


# --- the signature cache: the same answers, never another body's signature ----------------


def _answer_unrecorded(sessions: sessionmaker[Session], art: Article, cfg: StoriesConfig):
    """What detect_copy says without a cache, its index rows rolled back."""
    with sessions() as s:
        assert art.published_at is not None
        answer = detect_copy(s, art, cfg, art.published_at)
        s.rollback()
    return answer


def test_the_signature_cache_changes_no_answer(sessions: sessionmaker[Session]) -> None:
    cfg = StoriesConfig()
    cache = SignatureCache(max_entries=3)  # small: bodies are evicted and shingled again
    texts = [
        WIRE,
        OTHER_REPORT,
        _wrapped("caption before dateline"),
        _wrapped("rights trailer"),
        _wrapped("cut to the first paragraphs"),
        WIRE,  # the same body again: one entry serves both
        _wrapped("writethru with paragraphs added"),
        OTHER_REPORT + "\n\nReporting by Kim Min-ji",
        _wrapped("credits"),
    ]
    found = []
    for n, text in enumerate(texts):
        art = _store(sessions, n, text, T0 + timedelta(minutes=n))
        without = _answer_unrecorded(sessions, art, cfg)
        assert _detect(sessions, art, cfg, cache) == without
        found.append(without.match)
    assert found[0] is None and found[1] is None
    assert all(m is not None and m.root == 1 for m in found[2:7])
    assert cache.hits > 0 and cache.misses > 0 and len(cache) <= 3


def test_a_worker_s_signature_serves_the_later_copies(sessions: sessionmaker[Session]) -> None:
    cfg = StoriesConfig()
    cache = SignatureCache()
    original = _store(sessions, 1, WIRE, T0)
    with transaction(sessions) as s:  # as ingestion runs it: the worker shingled the body
        sent = pickle.loads(pickle.dumps(signature(WIRE)))
        detect_copy(s, original, cfg, T0, sig=sent, cache=cache)
    copy = _store(sessions, 2, _wrapped("rights trailer"), T0 + timedelta(hours=1))
    found = _detect(sessions, copy, cfg, cache).match
    assert found is not None and found.source == original.id
    assert cache.hits == 1  # the original's stored body was not shingled again


def test_a_reused_id_is_not_served_the_signature_of_its_former_body(
    sessions: sessionmaker[Session],
) -> None:
    cfg = StoriesConfig()
    cache = SignatureCache()
    # a batch rolled back after its article was checked: the cache saw OTHER_REPORT, whose
    # id SQLite gives to the next article stored (the highest rowid again)
    with sessions() as s:
        add_feed(s, "f", T0)
        gone = store_article(
            s,
            url="https://x.invalid/gone",
            text=OTHER_REPORT,
            when=T0,
            feed_id="f",
            outlet="Site",
            title="Gone",
        )
        detect_copy(s, gone, cfg, T0, cache=cache)
        s.rollback()
    original = _store(sessions, 1, WIRE, T0)  # stored by another worker (its own cache)
    _detect(sessions, original, cfg, SignatureCache())
    if sessions.kw["bind"].dialect.name == "sqlite":  # PostgreSQL never hands an id out twice
        assert original.id == gone.id
    copy = _store(sessions, 2, _wrapped("caption before dateline"), T0 + timedelta(hours=1))
    found = _detect(sessions, copy, cfg, cache).match
    assert found is not None and found.source == original.id


def test_the_cache_keeps_to_its_byte_budget() -> None:
    sigs = [signature(f"{WIRE}\n\nUpdate {i}: {OTHER_REPORT}") for i in range(6)]
    budget = 3 * max(s.nbytes for s in sigs)  # room for three of them, not four
    assert 4 * min(s.nbytes for s in sigs) > budget
    cache = SignatureCache(max_bytes=budget)
    for sig in sigs:
        cache.add(sig)
    assert len(cache) == 3 and cache.nbytes <= budget
    assert cache.signature(f"{WIRE}\n\nUpdate 5: {OTHER_REPORT}") is sigs[5]  # newest kept
    assert cache.signature(f"{WIRE}\n\nUpdate 0: {OTHER_REPORT}") == sigs[0]  # shingled again
    assert (cache.hits, cache.misses) == (1, 1)


def _by_definition(text: str) -> set[int]:
    """Each word 4-gram of the cleaned body, blake2b to 8 bytes, read as an unsigned
    big-endian number and wrapped into BIGINT's signed range."""
    words = tokens(copy_text(text))
    out = set()
    for i in range(len(words) - 3):
        digest = hashlib.blake2b(" ".join(words[i : i + 4]).encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "big")
        out.add(value - 2**64 if value >= 2**63 else value)
    return out


@pytest.mark.parametrize(
    "text",
    [
        WIRE,  # a wire story with its dateline
        "서울 (연합뉴스) 북한 어선 한 척이 동해 상에서 발견돼 당국이 선원들을 조사하고 있다.",
        "Ünïcödé ﬁgures, Straße and ＦＵＬＬＷＩＤＴＨ words: folded before they are shingled.",
        "Too short to shingle.",  # fewer than four words: no shingles at all
        "",
    ],
)
def test_signature_hashes_are_the_stored_definition(text: str) -> None:
    # the hashes are stored (the copy index's postings): they may never change
    sig = signature(text)
    assert list(sig.shingles) == sorted(_by_definition(text))  # packed, sorted, distinct
    assert all(-(2**63) <= h < 2**63 for h in sig.shingles)
    assert list(sig.sample) == [h for h in sig.shingles if h % SAMPLE_MOD == 0]
    assert pickle.loads(pickle.dumps(sig)) == sig
