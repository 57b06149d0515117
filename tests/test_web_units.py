"""The desk's pure parts, table-driven: highlighting, provenance, signing, redirects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from monitor.config.models import WebUser
from monitor.domain import ArticleRecord
from monitor.web.highlight import Piece, paragraphs, pieces
from monitor.web.provenance import citation_tree, credits_of, timeline
from monitor.web.security import Signer, local_path, same_origin, user_of_token

T0 = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "spans", "want"),
    [
        ("abc def", [(4, 7)], [Piece("abc "), Piece("def", 0)]),
        ("abc def", [(0, 3), (4, 7)], [Piece("abc", 0), Piece(" "), Piece("def", 1)]),
        ("abc def", [(4, 7), (0, 3)], [Piece("abc", 1), Piece(" "), Piece("def", 0)]),
        ("abcdef", [(0, 4), (2, 6)], [Piece("abcd", 0), Piece("ef")]),  # overlap: first wins
        ("abc", [(2, 9)], [Piece("abc")]),  # out of range: skipped, text whole
        ("abc", [(0, 0)], [Piece("abc")]),  # another field's match: empty span
        ("", [], []),
    ],
)
def test_pieces_keep_the_text_whole(
    text: str, spans: list[tuple[int, int]], want: list[Piece]
) -> None:
    got = pieces(text, spans)
    assert got == want
    assert "".join(p.text for p in got) == text


def test_paragraphs_split_at_blank_lines_but_never_inside_a_mark() -> None:
    got = paragraphs([Piece("one\n\ntwo "), Piece("hit", 0), Piece(" three\n\n\n\n")])
    assert got == [[Piece("one")], [Piece("two "), Piece("hit", 0), Piece(" three")]]


def art(
    i: int, outlet: str, minutes: int, copy_of: int | None = None, origins: tuple[str, ...] = ()
) -> ArticleRecord:
    when = T0 + timedelta(minutes=minutes)
    return ArticleRecord(i, f"https://x.invalid/{i}", outlet, f"t{i}", when, when, copy_of, origins)


def test_timeline_first_first_with_copies_of_copies_folded_under_the_root() -> None:
    articles = [
        art(3, "Herald", 30, origins=("Yonhap",)),
        art(1, "Yonhap", 0, origins=("Yonhap",)),
        art(2, "Courier", 10, copy_of=1),
        art(4, "Daily", 40, copy_of=2),  # a copy of a copy
    ]
    bodies = {3: "SEOUL (Yonhap) -- A soldier crossed, Yonhap reported.", 1: "A soldier crossed."}
    reports = timeline(articles, bodies, {2: 0.95, 4: 0.9})
    assert [r.article.id for r in reports] == [1, 3]
    assert [(c.article.id, s) for c, s in reports[0].copies] == [(2, 0.95), (4, 0.9)]
    assert reports[1].credits[0].origin == "Yonhap" and reports[1].credits[0].rule != "own"
    assert "Yonhap" in reports[1].credits[0].phrase
    tree = citation_tree(reports)
    assert [(n.depth, n.article_id) for n in tree] == [(0, None), (1, 1), (2, 2), (2, 4), (1, 3)]


@pytest.mark.parametrize(
    ("body", "origins", "rules"),
    [
        ("A soldier crossed, the Joint Chiefs of Staff said.", ("Joint Chiefs of Staff",), None),
        ("No credit here at all.", ("Wire",), ["own"]),
        ("", ("Wire",), ["own"]),
    ],
)
def test_credits_name_the_rule_or_own_reporting(
    body: str, origins: tuple[str, ...], rules: list[str] | None
) -> None:
    got = credits_of(body, origins)
    assert [c.origin for c in got] == list(origins)
    if rules is not None:
        assert [c.rule for c in got] == rules
    else:
        assert all(c.rule != "own" and c.phrase for c in got)


def test_sessions_are_signed_and_expire() -> None:
    s = Signer.random()
    cookie = s.session("alice", 60, now=1000)
    assert s.session_user(cookie, now=1030) == "alice"
    assert s.session_user(cookie, now=1061) is None  # expired
    assert Signer.random().session_user(cookie, now=1030) is None  # another key
    body, _, mac = cookie.partition(".")
    forged = Signer(b"x" * 32).session("root", 60, now=1000).partition(".")[0] + "." + mac
    for bad in (forged, body, "", "..", "a.b", cookie + "x"):
        assert s.session_user(bad, now=1030) is None, bad


def test_a_configured_session_key_survives_a_restart() -> None:
    """Two processes (or one restarted) with the same `web.session_key` accept each other's
    cookies and CSRF tokens; another key, or none, does not."""
    cookie = Signer.from_secret("a long random session key").session("alice", 60, now=1000)
    assert Signer.from_secret("a long random session key").session_user(cookie, now=1030) == "alice"
    assert Signer.from_secret("another key").session_user(cookie, now=1030) is None
    assert Signer.from_secret(None).session_user(cookie, now=1030) is None
    token = Signer.from_secret("k" * 20).csrf_token("n1")
    assert Signer.from_secret("k" * 20).csrf_ok("n1", token)


def test_csrf_tokens_belong_to_one_browser() -> None:
    s = Signer.random()
    assert s.csrf_ok("n1", s.csrf_token("n1"))
    for nonce, token in (
        ("n2", s.csrf_token("n1")),
        (None, s.csrf_token("n1")),
        ("n1", None),
        ("n1", ""),
    ):
        assert not s.csrf_ok(nonce, token)


@pytest.mark.parametrize(
    ("token", "user"),
    [
        ("tok-a-1234567890ab", "a"),
        ("tok-b-1234567890ab", "b"),
        ("tok-a-1234567890a", None),
        ("", None),
        (None, None),
    ],
)
def test_user_of_token(token: str | None, user: str | None) -> None:
    users = [
        WebUser(name="a", token=SecretStr("tok-a-1234567890ab")),
        WebUser(name="b", token=SecretStr("tok-b-1234567890ab")),
    ]
    assert user_of_token(users, token) == user


@pytest.mark.parametrize(
    ("target", "want"),
    [
        ("/stories/3?x=1", "/stories/3?x=1"),
        ("//evil", "/stories"),
        ("https://evil", "/stories"),
        ("/\\evil", "/stories"),
        ("", "/stories"),
        (None, "/stories"),
        ("stories", "/stories"),
    ],
)
def test_local_path(target: str | None, want: str) -> None:
    assert local_path(target) == want


@pytest.mark.parametrize(
    ("origin", "host", "ok"),
    [
        (None, "127.0.0.1:8765", True),
        ("http://127.0.0.1:8765", "127.0.0.1:8765", True),
        ("http://evil.example", "127.0.0.1:8765", False),
        ("null", "127.0.0.1:8765", False),
    ],
)
def test_same_origin(origin: str | None, host: str, ok: bool) -> None:
    assert same_origin(origin, host) is ok


@pytest.mark.parametrize("token", ["", "short", "fifteen-chars-x"])
def test_a_sign_in_token_must_be_long(token: str) -> None:
    with pytest.raises(ValueError, match="16 characters"):
        WebUser(name="a", token=SecretStr(token))
