"""The analyst's desk over the demo's database (the real pipeline's output): sign-in, CSRF,
headers, hostile text, story filters, provenance, article explanations, search, feedback and
its export that `monitor eval` replays. HTTP through Starlette's TestClient (the ASGI app
itself); the browser tests are tests/test_web_browser.py."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select, text, update
from starlette.testclient import TestClient
from typer.testing import CliRunner

from monitor.cli import app as cli_app
from monitor.clock import utcnow
from monitor.delivery.links import LinkClaim, sign_link
from monitor.demo import DemoServer
from monitor.store import feedback as fb
from monitor.store import reads
from monitor.store.db import transaction
from monitor.store.models import StoryArticleRow, StoryRow
from monitor.web import create_app
from monitor.web.security import CSP
from tests.deskdata import TOKENS, DeskData, build

ALICE = TOKENS["DESK_TOKEN_ALICE"]
HOSTILE = '<script>alert("x")</script> [/] <!channel> <@U123> {{ 7*7 }}'


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> DeskData:
    return build(tmp_path_factory.mktemp("desk"))


@pytest.fixture
def fresh(tmp_path: Path) -> DeskData:
    """A database of its own, for tests that write feedback."""
    return build(tmp_path)


def client(data: DeskData, *, read_only: bool = False, sign_in: bool = True) -> TestClient:
    c = TestClient(
        create_app(data.cfg, data.sessions, read_only=read_only), base_url="http://127.0.0.1"
    )
    if sign_in:
        login(c, ALICE)
    return c


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def login(c: TestClient, token: str, next_: str = "/stories") -> int:
    form = c.get("/login")
    r = c.post(
        "/login",
        data={"csrf": csrf_of(form.text), "token": token, "next": next_},
        follow_redirects=False,
    )
    return r.status_code


def story_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="headline" href="/stories/(\d+)"', html)]


# -- sign-in and CSRF ------------------------------------------------------------------------


def test_every_page_needs_a_sign_in(data: DeskData) -> None:
    c = client(data, sign_in=False)
    for path in ("/stories", "/stories/1", "/articles/1", "/search?q=x", "/feeds", "/console"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    r = c.post("/articles/1/feedback", data={"label": "not-relevant"}, follow_redirects=False)
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("token", "status"),
    [(ALICE, 303), (TOKENS["DESK_TOKEN_BOB"], 303), ("", 403), ("wrong", 403), (ALICE + "x", 403)],
)
def test_sign_in_takes_only_a_configured_token(data: DeskData, token: str, status: int) -> None:
    c = client(data, sign_in=False)
    assert login(c, token) == status
    page = c.get("/stories", follow_redirects=False)
    assert page.status_code == (200 if status == 303 else 303)


def test_a_bearer_token_works_for_scripts_and_a_forged_cookie_does_not(data: DeskData) -> None:
    c = client(data, sign_in=False)
    assert c.get("/feeds", headers={"Authorization": f"Bearer {ALICE}"}).status_code == 200
    assert (
        c.get(
            "/feeds", headers={"Authorization": "Bearer nope"}, follow_redirects=False
        ).status_code
        == 303
    )
    c.cookies.set("desk_session", "eyJ1IjogImV2ZSIsICJleHAiOiA5OTk5OTk5OTk5fQ.AAAA")
    assert c.get("/feeds", follow_redirects=False).status_code == 303


def test_a_session_outlives_a_restart_only_with_a_session_key(data: DeskData) -> None:
    """The desk restarted (a new app, same config) keeps its analysts signed in when
    `web.session_key` is set; without it, the new process's random key refuses the cookie."""
    web = data.cfg.monitor.web.model_copy(update={"session_key": SecretStr("k" * 32)})
    cfg = data.cfg.model_copy(update={"monitor": data.cfg.monitor.model_copy(update={"web": web})})
    keyed = DeskData(cfg, data.config_file, data.url, data.sessions, data.env)
    for cfg_data, survives in ((keyed, True), (data, False)):
        first = client(cfg_data)
        cookie = first.cookies.get("desk_session")
        assert cookie
        again = client(cfg_data, sign_in=False)  # the restarted process
        again.cookies.set("desk_session", cookie)
        status = again.get("/feeds", follow_redirects=False).status_code
        assert status == (200 if survives else 303), survives


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_sign_in_never_sends_the_browser_to_another_site(data: DeskData, target: str) -> None:
    c = client(data, sign_in=False)
    form = c.get("/login")
    r = c.post(
        "/login",
        data={"csrf": csrf_of(form.text), "token": ALICE, "next": target},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/stories"


def test_a_form_without_its_csrf_token_or_from_another_site_is_refused(fresh: DeskData) -> None:
    c = client(fresh)
    page = c.get("/articles/1")
    token = csrf_of(page.text)
    base = {"label": "not-relevant", "watchlist": "nk-defections"}
    assert c.post("/articles/1/feedback", data=base).status_code == 403
    assert c.post("/articles/1/feedback", data={**base, "csrf": token + "x"}).status_code == 403
    other = c.post(
        "/articles/1/feedback",
        data={**base, "csrf": token},
        headers={"Origin": "http://evil.example"},
    )
    assert other.status_code == 403
    # a token is bound to its browser's cookie: another browser's token does not pass
    c2 = client(fresh)
    assert c2.post("/articles/1/feedback", data={**base, "csrf": token}).status_code == 403
    assert "not relevant</strong>" not in c.get("/articles/1").text
    ok = c.post("/articles/1/feedback", data={**base, "csrf": token}, follow_redirects=False)
    assert ok.status_code == 303


def test_every_response_carries_the_strict_policy(data: DeskData) -> None:
    c = client(data)
    for path in (
        "/stories",
        "/stories/1",
        "/articles/1",
        "/search?q=a",
        "/feeds",
        "/nowhere",
        "/stories/999999",
        "/static/desk.css",
        "/login",
    ):
        r = c.get(path)
        assert r.headers["content-security-policy"] == CSP, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
    assert "script-src" not in CSP and "default-src 'none'" in CSP
    assert "<script" not in c.get("/stories/1").text


# -- hostile text -----------------------------------------------------------------------------


def make_hostile(data: DeskData) -> int:
    """A demo story and its first article retitled with markup, Slack controls and a template."""
    with transaction(data.sessions) as s:
        story = reads.load_stories(s, [1])[0]
        first = story.articles[0].id
        s.execute(text("UPDATE stories SET headline = :h WHERE id = 1"), {"h": HOSTILE})
        s.execute(
            text("UPDATE articles SET title = :h, url = :u, outlet = :o WHERE id = :i"),
            {"h": HOSTILE, "u": "javascript:alert(1)", "o": "<b>Outlet</b>", "i": first},
        )
    return first


def test_hostile_titles_urls_and_outlets_render_inert(fresh: DeskData) -> None:
    first = make_hostile(fresh)
    c = client(fresh)
    for path in ("/stories", "/stories/1", f"/articles/{first}", "/search?q=script"):
        html = c.get(path).text
        assert "<script>" not in html and "<b>Outlet</b>" not in html, path
        assert 'href="javascript:' not in html, path
        assert "{{ 7*7 }}" in html, path  # shown as written, never evaluated
    story = c.get("/stories/1").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; [/] &lt;!channel&gt;" in story


def test_the_article_page_shows_the_raw_feed_entry_the_pipeline_kept(data: DeskData) -> None:
    """The demo ran the real pipeline: each article keeps what its feed said of the item."""
    with transaction(data.sessions) as s:
        row = s.execute(text("SELECT id, url, feed_id FROM articles ORDER BY id LIMIT 1")).one()
    html = client(data).get(f"/articles/{row.id}").text
    entry = html.split("<h2>Feed entry</h2>", 1)[1].split("<h2>", 1)[0]
    assert f"What feed {row.feed_id} said of this item" in entry
    assert f"<th>link</th><td>{row.url}</td>" in entry  # shown as text, not as a link
    assert "<th>title</th>" in entry and "<th>published</th>" in entry


def test_a_hostile_feed_entry_renders_inert(fresh: DeskData) -> None:
    hostile = {
        "title": HOSTILE,
        "link": "javascript:alert(1)",
        "summary": "<img src=x onerror=alert(1)>",
    }
    with transaction(fresh.sessions) as s:
        s.execute(
            text("UPDATE articles SET feed_entry = :e WHERE id = 1"), {"e": json.dumps(hostile)}
        )
    html = client(fresh).get("/articles/1").text
    entry = html.split("<h2>Feed entry</h2>", 1)[1].split("<h2>", 1)[0]
    assert "<img" not in entry and "<script>" not in entry and 'href="javascript:' not in entry
    assert "&lt;img src=x onerror=alert(1)&gt;" in entry


def test_feed_links_open_nothing_of_ours(data: DeskData) -> None:
    html = client(data).get("/stories/1").text
    links = re.findall(r'<a class="out" href="([^"]+)" rel="([^"]+)"', html)
    assert links
    for href, rel in links:
        assert href.startswith(("http://", "https://"))
        assert set(rel.split()) == {"noopener", "noreferrer", "nofollow"}


# -- stories ---------------------------------------------------------------------------------


def test_stories_newest_first_with_the_digest_badges(data: DeskData) -> None:
    html = client(data).get("/stories").text
    ids = story_ids(html)
    with transaction(data.sessions) as s:
        records = {r.id: r for r in reads.load_stories(s, ids)}
    seen = [records[i].last_seen for i in ids]
    assert len(ids) >= 3 and seen == sorted(seen, reverse=True)
    assert "badge-confirmed" in html or "badge-corroborated" in html


def test_an_unannounced_story_says_whether_it_is_old_news_or_news_about_a_known_defector(
    fresh: DeskData,
) -> None:
    """Both raise no alert (`stale` on the story row); the badge says why: a report found
    late, or reports about long-known defectors that report no new defection."""
    with transaction(fresh.sessions) as s:
        first, second = s.scalars(select(StoryRow.id).order_by(StoryRow.id).limit(2)).all()
        s.execute(update(StoryRow).where(StoryRow.id.in_([first, second])).values(stale=True))
        for sid, old in ((first, True), (second, False)):
            s.execute(
                update(StoryArticleRow).where(StoryArticleRow.story_id == sid).values(stale=old)
            )
    c = client(fresh)
    listing = c.get("/stories?state=stale").text
    badge = {}
    for item in listing.split('<li class="story">')[1:]:
        sid = int(re.findall(r'href="/stories/(\d+)"', item)[0])
        badge[sid] = re.findall(r'<span class="badge badge-stale"[^>]*>([^<]+)</span>', item)
    assert badge[first] == ["stale"] and badge[second] == ["person news"]
    assert ">person news</span>" in c.get(f"/stories/{second}").text
    assert ">person news</span>" not in c.get(f"/stories/{first}").text


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("state=new", lambda r: not r.confirmed and r.origin_count < 2 and not r.stale),
        ("state=corroborated", lambda r: not r.confirmed and r.origin_count >= 2),
        ("state=confirmed", lambda r: r.confirmed),
        ("state=stale", lambda r: r.stale),
        ("watchlist=nk-defections", lambda r: r.watchlist == "nk-defections"),
        ("watchlist=none-such", lambda r: False),
        (
            "date=2026-11-19",
            lambda r: (
                r.first_seen < datetime(2026, 11, 20, tzinfo=UTC)
                and r.last_seen >= datetime(2026, 11, 19, tzinfo=UTC)
            ),
        ),
        ("date=2001-01-01", lambda r: False),
    ],
)
def test_each_filter_keeps_exactly_the_stories_it_names(data: DeskData, query: str, keep) -> None:  # type: ignore[no-untyped-def]
    c = client(data)
    every = story_ids(c.get("/stories").text)
    with transaction(data.sessions) as s:
        records = reads.load_stories(s, every)
    want = sorted(r.id for r in records if keep(r))
    assert sorted(story_ids(c.get(f"/stories?{query}").text)) == want


def test_the_person_filter_finds_stories_naming_that_person(data: DeskData) -> None:
    c = client(data)
    every = story_ids(c.get("/stories").text)
    with transaction(data.sessions) as s:
        records = reads.load_stories(s, every)
    named = {r.id: {p for h in r.hits for p in h.people} | set(r.people) for r in records}
    people = set().union(*named.values())
    assert people, "the demo's stories name known people"
    for person in people:
        got = story_ids(c.get("/stories", params={"person": person.upper()}).text)
        assert sorted(got) == sorted(i for i, names in named.items() if person in names), person
    for fragment in ('%"_', "Thae", "_"):  # whole names only, LIKE wildcards are plain text
        assert story_ids(c.get("/stories", params={"person": fragment}).text) == []


def test_bad_filters_are_a_clear_400(data: DeskData) -> None:
    c = client(data)
    assert "state: one of" in c.get("/stories?state=bogus").text
    assert c.get("/stories?date=yesterday").status_code == 400
    assert c.get("/stories?page=x").status_code == 400


# -- provenance and explanations ---------------------------------------------------------------


def test_story_page_shows_reports_first_first_with_credits_copies_and_the_tree(
    data: DeskData,
) -> None:
    c = client(data)
    with transaction(data.sessions) as s:
        records = reads.load_stories(s, story_ids(c.get("/stories").text))
    story = next(r for r in records if any(a.copy_of for a in r.articles))
    html = c.get(f"/stories/{story.id}").text
    timeline = html.split("Reports, first first")[1].split("Who cites whom")[0]
    shown = [int(i) for i in re.findall(r'<li class="report" id="a(\d+)"', timeline)]
    originals = [a for a in story.articles if a.copy_of is None]
    assert sorted(shown) == sorted(a.id for a in originals)
    when = {a.id: a.published_at or a.added_at or a.discovered_at for a in originals}
    assert [when[i] for i in shown] == sorted(when[i] for i in shown)
    copies = [a for a in story.articles if a.copy_of is not None]
    folded = re.split(r"cop(?:y|ies) of this report", timeline)
    for a in copies:  # under its source's report, with the similarity
        source = timeline.split(f'<li class="report" id="a{a.copy_of}">')[1].split(
            '<li class="report"'
        )[0]
        assert re.search(rf'<li id="a{a.id}">.*similarity \d+%', source), a.id
    assert len(folded) - 1 == len({a.copy_of for a in copies})
    assert timeline.count("credits <strong>") >= len(originals)
    tree = html.split("Who cites whom")[1]
    for origin in story.origins:
        assert f"<strong>{origin}</strong>" in tree or origin in tree


def test_article_page_highlights_every_match_with_its_rule(data: DeskData) -> None:
    c = client(data)
    with transaction(data.sessions) as s:
        hit_ids = [a.id for r in reads.load_stories(s, [1, 2, 3]) for a in r.articles]
    html = c.get(f"/articles/{hit_ids[0]}").text
    marks = re.findall(r'<mark title="([^"]+)">([^<]+)</mark>', html)
    assert marks, "a hit article shows its matches in the text"
    table = html.split("<h2>Matches</h2>")[1].split("<h2>Body</h2>")[0]
    for title, words in marks:
        rule = title.split(":")[0]
        assert f"<td>{rule}</td>" in table and words.strip()
    assert "score" in table and "threshold" in table


def test_feeds_page_shows_each_feed_status(data: DeskData) -> None:
    html = client(data).get("/feeds").text
    for feed in data.cfg.feeds:
        assert f">{feed.id}</a>" in html
    assert "status-ok" in html


# -- search -------------------------------------------------------------------------------------


def test_search_finds_words_by_prefix_with_hit_and_miss_filters(data: DeskData) -> None:
    c = client(data)
    every = set(re.findall(r'href="/articles/(\d+)"', c.get("/search?q=defect").text))
    hits = set(re.findall(r'href="/articles/(\d+)"', c.get("/search?q=defect&hit=hit").text))
    misses = set(re.findall(r'href="/articles/(\d+)"', c.get("/search?q=defect&hit=miss").text))
    assert hits and misses, (
        "the demo has articles that say 'defect…' and hit and others that do not"
    )
    assert hits | misses == every and not hits & misses
    assert "No stored article" in c.get("/search?q=zzqqxx").text
    for hostile in ('"', "*", "NEAR(", "a OR b) AND", "'; DROP TABLE articles; --", "&&|!:*"):
        assert c.get("/search", params={"q": hostile}).status_code == 200


# -- feedback -------------------------------------------------------------------------------------


def feedback(c: TestClient, article: int, **fields: str) -> int:
    page = c.get(f"/articles/{article}")
    r = c.post(
        f"/articles/{article}/feedback",
        data={"csrf": csrf_of(page.text), **fields},
        follow_redirects=False,
    )
    return r.status_code


def test_feedback_is_shown_with_who_and_when_and_can_be_withdrawn(fresh: DeskData) -> None:
    c = client(fresh)
    assert (
        feedback(c, 1, label="not-relevant", watchlist="nk-defections", note="<i>sports</i>") == 303
    )
    html = c.get("/articles/1").text
    assert "not relevant</strong> (nk-defections)" in html and "by alice" in html
    assert "&lt;i&gt;sports&lt;/i&gt;" in html
    fid = re.search(r'action="/feedback/(\d+)/revoke"', html)
    assert fid
    bob = client(fresh)
    login(bob, TOKENS["DESK_TOKEN_BOB"])
    page = bob.get("/articles/1")
    r = bob.post(
        f"/feedback/{fid.group(1)}/revoke", data={"csrf": csrf_of(page.text), "next": "/articles/1"}
    )
    assert r.status_code == 200
    html = c.get("/articles/1").text
    assert 'class="revoked"' in html and "withdrawn by bob" in html
    r = bob.post(f"/feedback/{fid.group(1)}/revoke", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"label": "nonsense"}, "unknown feedback"),
        ({"label": "belongs-to"}, "needs the story"),
        ({"label": "belongs-to", "other_id": "999999"}, "no story 999999"),
        ({"label": "copy-of", "other_id": "1"}, "no other article"),
        ({"label": "copy-of", "other_id": "x"}, "other_id: a number"),
    ],
)
def test_bad_feedback_is_refused_with_a_reason(
    fresh: DeskData, fields: dict[str, str], error: str
) -> None:
    c = client(fresh)
    page = c.get("/articles/1")
    r = c.post("/articles/1/feedback", data={"csrf": csrf_of(page.text), **fields})
    assert r.status_code == 400 and error in r.text


def test_read_only_desk_shows_no_form_and_records_nothing(fresh: DeskData) -> None:
    rw = client(fresh)
    assert feedback(rw, 2, label="not-relevant", watchlist="nk-defections") == 303
    ro = client(fresh, read_only=True)
    html = ro.get("/articles/2").text
    assert "not relevant</strong>" in html, "feedback is shown"
    assert '/feedback"' not in html and "revoke" not in html
    r = ro.post("/articles/2/feedback", data={"csrf": csrf_of(html), "label": "relevant"})
    assert r.status_code == 403 and "read-only" in r.text


def test_exported_feedback_is_a_corpus_that_eval_counts(fresh: DeskData, tmp_path: Path) -> None:
    c = client(fresh)
    with transaction(fresh.sessions) as s:
        story = reads.load_stories(s, [1])[0]
    target = story.articles[0].id
    assert feedback(c, target, label="not-relevant", watchlist=story.watchlist) == 303
    out = tmp_path / "feedback.jsonl"
    runner = CliRunner()
    env = {**fresh.env, "MONITOR_CONFIG": str(fresh.config_file)}
    r = runner.invoke(cli_app, ["feedback", "export", str(out)], env=env)
    assert r.exit_code == 0, r.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    mine = next(x for x in records if x["id"] == f"desk-{target}")
    assert mine["labels"]["relevant"] is False and "not-relevant by alice" in mine["labels"]["hard"]
    assert mine["text"] and mine["title"] == story.articles[0].title
    r = runner.invoke(cli_app, ["eval", str(out), "--json"], env=env)
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout)
    assert metrics["articles"] == len(records)
    assert metrics["relevance"]["fp"] >= 1, "the pipeline still hits it: eval counts the correction"
    # against a run in which the article did not hit (as before a watchlist change), this
    # run breaks it
    before = tmp_path / "before.jsonl"
    r = runner.invoke(cli_app, ["eval", str(out), "--predictions", str(before)], env=env)
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in before.read_text().splitlines()]
    for row in rows:
        row["hit"] = row["hit"] and row["id"] != f"desk-{target}"
    before.write_text("".join(json.dumps(row) + "\n" for row in rows))
    r = runner.invoke(cli_app, ["eval", str(out), "--compare", str(before)], env=env)
    assert r.exit_code == 0, r.output
    assert "0 fixed, 1 broken" in r.output and f"broken relevance desk-{target}" in r.output
    # withdrawn, the correction no longer decides
    with transaction(fresh.sessions) as s:
        s.execute(
            text("UPDATE feedback SET revoked_at = :t, revoked_by = 'bob'"),
            {"t": datetime.now(UTC)},
        )
    r = runner.invoke(cli_app, ["feedback", "export", str(out)], env=env)
    assert out.read_text() == "" and "0 articles" in r.output


# -- the watchlist console -------------------------------------------------------------------

ARTICLE = (
    "North Korean soldier defects across the border\n"
    "A North Korean soldier defected to South Korea across the military demarcation line, "
    "the Joint Chiefs of Staff said."
)


def console(c: TestClient, **fields: str) -> str:
    page = c.get("/console")
    r = c.post("/console", data={"csrf": csrf_of(page.text), **fields})
    assert r.status_code == 200
    return r.text


def test_console_matches_pasted_text_with_the_running_watchlists(data: DeskData) -> None:
    c = client(data)
    html = console(c, text=ARTICLE)
    assert "HIT <strong>nk-defections</strong>" in html and "<mark" in html
    miss = console(c, text="Birth defect study\nA birth defect study in Ohio.")
    assert "No hit." in miss and "Closest misses" in miss
    assert "<script>" not in console(c, text=HOSTILE + "\n" + HOSTILE)


def test_console_matches_an_edited_copy_and_saves_nothing(data: DeskData) -> None:
    c = client(data)
    copy = c.get("/console?copy=nk-defections").text
    assert "id: nk-defections" in copy
    edited = "id: trial\nkeywords: [soldier]\ncontext: [Joint Chiefs of Staff]\nthreshold: 1\n"
    html = console(c, text=ARTICLE, edited=edited)
    assert "HIT <strong>trial</strong>" in html and "nk-defections</strong>" not in html
    bad = console(c, text=ARTICLE, edited="id: trial\nkeywords: 12\n")
    assert 'class="warn">keywords' in bad
    assert "not YAML" in console(c, text=ARTICLE, edited="id: [unclosed")
    assert "HIT <strong>trial</strong>" not in console(c, text=ARTICLE)


def test_rule_precision_counts_the_corrections_of_the_hits_each_rule_fired_on(
    fresh: DeskData,
) -> None:
    c = client(fresh)
    with transaction(fresh.sessions) as s:
        story = reads.load_stories(s, [1])[0]
    hit = story.hits[0]
    rules = {(str(m["rule"]), str(m["term"])) for m in hit.explanation["matches"]}  # type: ignore[attr-defined]
    assert feedback(c, hit.article_id, label="not-relevant", watchlist=story.watchlist) == 303
    html = c.get("/console").text
    table = html.split("Rules by the analysts")[1]
    for rule, term in rules:
        row = re.search(
            rf"<td>{story.watchlist}</td><td>{re.escape(rule)}</td><td>{re.escape(term)}</td>"
            r"<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>([^<]+)</td>",
            table,
        )
        assert row, (rule, term)
        hits, bad, good, precision = row.groups()
        assert int(hits) >= 1 and int(bad) == 1 and int(good) == 0 and precision == "0%"


# -- one-click links from digests ----------------------------------------------------------------

LINK_KEY = "a-long-random-link-key-0123456789"


def with_link_key(data: DeskData) -> DeskData:
    web = data.cfg.monitor.web.model_copy(update={"link_key": SecretStr(LINK_KEY)})
    cfg = data.cfg.model_copy(update={"monitor": data.cfg.monitor.model_copy(update={"web": web})})
    return DeskData(cfg, data.config_file, data.url, data.sessions, data.env)


def one_click_token(story_id: int, *, days: int = 14) -> str:
    claim = LinkClaim(
        story_id, "nk-defections", "not-relevant", "daily", utcnow() + timedelta(days=days)
    )
    return sign_link(LINK_KEY, claim)


def test_a_one_click_link_asks_then_records_without_a_sign_in(fresh: DeskData) -> None:
    data = with_link_key(fresh)
    c = client(data, sign_in=False)
    token = one_click_token(1)
    ask = c.get(f"/f/{token}")
    assert ask.status_code == 200 and "Mark this story not relevant?" in ask.text
    with transaction(data.sessions) as s:
        story = reads.load_stories(s, [1])[0]
        assert fb.all_feedback(s) == [], "opening the link records nothing"
    done = c.post(f"/f/{token}", data={"csrf": csrf_of(ask.text)})
    assert done.status_code == 200 and "Recorded" in done.text
    with transaction(data.sessions) as s:
        recorded = fb.all_feedback(s)
    assert sorted(f.article_id for f in recorded) == sorted(a.id for a in story.articles)
    assert {(f.label, f.who, f.watchlist) for f in recorded} == {
        ("not-relevant", "link:daily", "nk-defections")
    }
    assert c.post(f"/f/{token}", data={}).status_code == 403  # the form's CSRF token still counts


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b",
        one_click_token(1, days=-1),
        sign_link(
            "guessed-key", LinkClaim(1, "w", "not-relevant", "c", utcnow() + timedelta(days=1))
        ),
    ],
)
def test_a_forged_or_expired_link_is_refused(data: DeskData, token: str) -> None:
    c = client(with_link_key(data), sign_in=False)
    r = c.get(f"/f/{token}")
    assert r.status_code == 403 and "invalid or has expired" in r.text


def test_without_a_link_key_no_link_is_accepted(data: DeskData) -> None:
    r = client(data, sign_in=False).get(f"/f/{one_click_token(1)}")
    assert r.status_code == 403


def test_a_session_ends_when_its_user_leaves_the_config(data: DeskData) -> None:
    c = client(data, sign_in=False)
    assert login(c, TOKENS["DESK_TOKEN_BOB"]) == 303
    assert c.get("/feeds", follow_redirects=False).status_code == 200
    desk_ = c.app.state.desk  # type: ignore[attr-defined]
    alice_only = [u for u in data.cfg.monitor.web.users if u.name == "alice"]
    web = data.cfg.monitor.web.model_copy(update={"users": alice_only})
    desk_.cfg = data.cfg.model_copy(
        update={"monitor": data.cfg.monitor.model_copy(update={"web": web})}
    )
    assert c.get("/feeds", follow_redirects=False).status_code == 303


def test_console_fetches_a_url_behind_the_ssrf_guard(data: DeskData) -> None:
    page = "/courier/news/world/north-korean-soldier-defects-across-border-south-korea-says.html"
    with DemoServer() as server:
        html = console(client(data), url=server.base_url + page)  # the demo allows loopback
        assert "HIT <strong>nk-defections</strong>" in html and "<mark" in html
        fetch = data.cfg.monitor.fetch.model_copy(update={"allow_private_networks": False})
        guarded = data.cfg.model_copy(
            update={"monitor": data.cfg.monitor.model_copy(update={"fetch": fetch})}
        )
        desk_ = DeskData(guarded, data.config_file, data.url, data.sessions, data.env)
        refused = console(client(desk_), url=server.base_url + page)
    assert 'class="warn"' in refused and "HIT <strong>" not in refused
    assert "private" in refused or "loopback" in refused
