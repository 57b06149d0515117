"""The desk in a real browser: Debian's chromium driven by Playwright (executable_path, no
downloaded browser) against `monitor run` serving the desk on loopback, over the demo's
database. List, filter, open a story and its provenance, mark an article not relevant,
export the feedback and see `monitor eval` count it; a hostile title renders inert.

DESK_SCREENSHOTS=DIR writes the story and article pages there (docs/img/ in the README).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from monitor.demo import DemoServer
from monitor.store.db import transaction
from tests.conftest import ROOT
from tests.deskdata import TOKENS, DeskData, build
from tests.smtp import free_port
from tests.test_daemon_support import DaemonProcess, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,  # a daemon and a browser
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"
    ),
]
HOSTILE = "<script>alert(1)</script> [/] <!channel> <img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DeskData, str]]:
    """`monitor run` over the demo's database, its feeds still served, the desk on a port."""
    tmp = tmp_path_factory.mktemp("browser")
    port = free_port()
    with DemoServer() as server:
        data = build(tmp, server=server, port=port)
        with transaction(data.sessions) as s:  # one story titled by an attacker
            s.execute(text("UPDATE stories SET headline = :h WHERE id = 4"), {"h": HOSTILE})
        daemon = DaemonProcess(data.config_file, tmp / "daemon.log", env=data.env)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for("the desk answers", lambda: _answers(base), timeout=60)
            yield data, base
        finally:
            daemon.stop()


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/login", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def submit(page: object, selector: str) -> None:
    """Click a button that submits a form, and wait for the page it leads to."""
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(selector)  # type: ignore[attr-defined]


def shot(page: object, name: str) -> None:
    folder = os.environ.get("DESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)  # type: ignore[attr-defined]


def test_an_analyst_reviews_a_story_corrects_it_and_eval_counts_the_correction(
    desk: tuple[DeskData, str], browser: object, tmp_path: Path
) -> None:
    data, base = desk
    page = browser.new_page(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )

    # sign in: any page sends a stranger to the sign-in form, and back after it
    page.goto(f"{base}/stories")
    assert "/login" in page.url
    page.fill("input[name=token]", TOKENS["DESK_TOKEN_ALICE"])
    submit(page, "button:has-text('Sign in')")
    assert page.url.endswith("/stories")
    every = page.locator("li.story").count()
    assert every >= 4

    # filter: confirmed stories only, each with the confirmed badge
    page.select_option("select[name=state]", "confirmed")
    submit(page, "button:has-text('Filter')")
    assert "state=confirmed" in page.url
    confirmed = page.locator("li.story")
    assert 0 < confirmed.count() < every
    for i in range(confirmed.count()):
        assert confirmed.nth(i).locator(".badge").first.inner_text().lower() == "confirmed"

    # open the story with a wire copy: reports first first, the copy folded, the tree
    page.goto(f"{base}/stories")
    for i in range(page.locator("li.story").count()):
        with page.expect_navigation():
            page.locator("a.headline").nth(i).click()
        if page.locator("details.copies").count():
            break
        page.go_back(wait_until="load")
    assert page.locator("h2:has-text('Reports, first first')").is_visible()
    assert page.locator("details.copies").count() == 1
    page.locator("details.copies summary").click()
    assert "similarity" in page.locator("details.copies").inner_text()
    assert page.locator("ul.tree li.depth-0").count() >= 2
    assert page.locator("ul.credits li").count() >= page.locator("li.report").count()
    shot(page, "desk-story.png")

    # open its first report and mark it not relevant
    with page.expect_navigation():
        page.locator("li.report a[href^='/articles/']").first.click()
    assert page.locator("mark").count() >= 1
    assert page.locator("table.matches").first.is_visible()
    article_url = page.url
    page.select_option("form.feedback-form select[name=watchlist]", "nk-defections")
    page.fill("form.feedback-form input[name=note]", "checked by hand")
    submit(page, "form.feedback-form button[value=not-relevant]")
    assert page.url == article_url
    shown = page.locator("ul.feedback li.in-force").inner_text()
    assert "not relevant" in shown and "alice" in shown and "checked by hand" in shown
    shot(page, "desk-article.png")

    # export the corrections and replay them
    out = tmp_path / "feedback.jsonl"
    env = {**os.environ, **data.env, "MONITOR_CONFIG": str(data.config_file)}
    run = [sys.executable, "-m", "monitor"]
    subprocess.run([*run, "feedback", "export", str(out)], env=env, cwd=ROOT, check=True)
    article_id = int(article_url.rsplit("/", 1)[1])
    records = {json.loads(x)["id"]: json.loads(x) for x in out.read_text().splitlines()}
    assert records[f"desk-{article_id}"]["labels"]["relevant"] is False
    scored = subprocess.run(
        [*run, "eval", str(out), "--json"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    assert json.loads(scored.stdout)["relevance"]["fp"] >= 1

    # withdraw it: shown struck through, no longer in force
    submit(page, "ul.feedback button:has-text('withdraw')")
    assert page.locator("ul.feedback li.revoked").count() == 1
    assert not dialogs and not violations


def test_a_hostile_title_renders_inert(desk: tuple[DeskData, str], browser: object) -> None:
    _, base = desk
    page = browser.new_page()  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/login")
    page.fill("input[name=token]", TOKENS["DESK_TOKEN_BOB"])
    submit(page, "button:has-text('Sign in')")
    for url in (f"{base}/stories", f"{base}/stories/4"):
        page.goto(url)
        assert page.locator("script").count() == 0
        assert page.locator("main img").count() == 0
        assert HOSTILE in page.inner_text("main")
    assert page.inner_text("h1") == HOSTILE
    assert not dialogs
