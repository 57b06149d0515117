"""`monitor poll` for cron: what the pass raised, and an exit code that notices failed feeds.

The class of cases: a pass where some feeds fail. By default it exits 0 (the others did
their work) and says how many failed; `--fail-on-error` exits 1 when any failed; a pass
where every feed failed exits 1 either way. Its summary counts hits, stories and alerts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from monitor.cli import app as monitor_app
from tests.conftest import ROOT
from tests.feedgen import Item, rss
from tests.loopback import LoopbackServer, Response
from tests.test_cli import BODY, PAGE


@pytest.fixture
def config(tmp_path: Path, http_server: LoopbackServer) -> Path:
    published = datetime.now(UTC) - timedelta(hours=3)
    title = "N. Korean diplomat in Kuwait defects to South"
    page = PAGE.format(
        title=title,
        published=published.isoformat(),
        paragraphs="".join(f"<p>{p}</p>" for p in BODY),
    )
    http_server.static("/a/1.html", page, "text/html; charset=utf-8")
    http_server.static("/rss.xml", rss([Item(title, http_server.url("/a/1.html"), published)]))
    http_server.route("/broken.xml", Response(500, b"oops"))
    (tmp_path / "watchlists").symlink_to(ROOT / "config" / "watchlists")
    cfg = {
        "database": {"url": f"sqlite:///{tmp_path / 'monitor.db'}"},
        "fetch": {"allow_private_networks": True, "retries": 0},
        "feeds": [
            {"id": "wire", "url": http_server.url("/rss.xml"), "outlet": "Yonhap"},
            {"id": "broken", "url": http_server.url("/broken.xml")},
        ],
    }
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    assert CliRunner().invoke(monitor_app, ["db", "upgrade", "-c", str(path)]).exit_code == 0
    return path


def poll(config: Path, *args: str) -> tuple[int, str]:
    """Exit code and stdout alone: warnings on stderr (a slow pass logs some) are not output."""
    result = CliRunner().invoke(monitor_app, ["poll", "-c", str(config), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.stderr
    return result.exit_code, result.stdout


def test_a_partly_failed_pass_says_what_it_raised_and_exits_0(config: Path) -> None:
    code, output = poll(config, "--json")
    assert code == 0
    report = json.loads(output)  # stdout holds exactly one JSON document
    assert (report["feeds_ok"], report["feeds_failed"]) == (1, 1)
    assert report["raised"] == {"hits": 1, "stories": 1, "alerts": 1}
    code, output = poll(config)  # the table: 304 now, nothing raised
    assert code == 0
    assert "1 failed" in output and "0 hits, 0 new stories, 0 alerts" in " ".join(output.split())


def test_fail_on_error_exits_1_when_any_feed_failed(config: Path) -> None:
    code, _ = poll(config, "--fail-on-error")
    assert code == 1
    code, _ = poll(config, "--fail-on-error", "--feed", "wire")  # nothing failed
    assert code == 0


def test_a_pass_where_every_feed_failed_exits_1(config: Path) -> None:
    code, _ = poll(config, "--feed", "broken")
    assert code == 1
