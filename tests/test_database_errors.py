"""Database problems are one line: what failed, the URL (password masked), who set it, the fix.

The class of cases: a database URL that is unusable for a reason of the world (nothing
listens, no such database, an unsupported backend, a folder that cannot be written, a path
through a file), whichever command meets it first. Each gives exit 1 (2 for a URL that is
invalid as config), one line on stderr, no traceback and never the password.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from monitor.cli import app as monitor_app
from monitor.config.dburl import normalize_database_url
from monitor.store import db
from tests.conftest import POSTGRES_URL, ROOT, _postgres_schema_url

PASSWORD = "sekrit-pw"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "watchlists").symlink_to(ROOT / "config" / "watchlists")
    config = {"feeds": [{"id": "a", "url": "http://127.0.0.1:9/rss"}]}
    (tmp_path / "monitor.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return tmp_path


def run(workspace: Path, url: str, *args: str) -> tuple[int, str]:
    env = {"MONITOR_DATABASE_URL": url}
    result = CliRunner().invoke(
        monitor_app, [*args, "-c", str(workspace / "monitor.yaml")], env=env
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"monitor {' '.join(args)} raised") from result.exception
    return result.exit_code, " ".join(result.output.split(" "))  # as printed, wraps kept


def one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert "Traceback" not in output
    assert PASSWORD not in output
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        (
            "nothing listens",
            lambda tmp: f"postgresql+psycopg://app:{PASSWORD}@127.0.0.1:{closed_port()}/news",
            "nothing accepts connections",
        ),
        (
            "a folder under a file",
            lambda tmp: f"sqlite:///{(tmp / 'afile').with_suffix('.txt')}/sub/monitor.db",
            "cannot be written",
        ),
    ],
)
@pytest.mark.parametrize("command", ["status", "poll", "feeds", "deliveries"])
def test_an_unusable_database_is_one_line_naming_url_source_and_fix(
    workspace: Path, name: str, make: object, says: str, command: str
) -> None:
    (workspace / "afile.txt").write_text("x")
    url = make(workspace)  # type: ignore[operator]
    code, output = run(workspace, url, command)
    line = one_line(output)
    assert code == 1
    assert says in line and "$MONITOR_DATABASE_URL" in line, line
    assert line.startswith("error: cannot use the database")


@pytest.mark.skipif(not POSTGRES_URL, reason="MONITOR_TEST_POSTGRES_URL is not set")
def test_a_missing_postgres_database_says_so(workspace: Path) -> None:
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL).set(database=f"nodb_{uuid.uuid4().hex[:8]}", password=PASSWORD)
    code, output = run(workspace, url.render_as_string(hide_password=False), "status")
    assert code == 1
    line = one_line(output)
    assert "does not exist" in line and "createdb" in line and ":***@" in line


@pytest.mark.skipif(not POSTGRES_URL, reason="MONITOR_TEST_POSTGRES_URL is not set")
def test_postgres_scheme_is_accepted_as_psycopg(workspace: Path) -> None:
    schema_url = _postgres_schema_url()  # a fresh schema of the test server, dropped after
    try:
        common = next(schema_url).replace("postgresql+psycopg://", "postgres://")
        assert run(workspace, common, "db", "upgrade")[0] == 0
        code, output = run(workspace, common, "check", "--connect")
    finally:
        schema_url.close()
    assert code == 0, output
    assert "at migration" in " ".join(output.split())


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("PostgreSQL+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///data/monitor.db", "sqlite:///data/monitor.db"),
        ("  sqlite:///x.db ", "sqlite:///x.db"),
    ],
)
def test_database_url_spellings(url: str, want: str) -> None:
    assert normalize_database_url(url) == want


@pytest.mark.parametrize(
    "url", ["mysql://u:p@h/db", "mariadb+pymysql://h/db", "mssql://h/db", "data/monitor.db"]
)
def test_unsupported_urls_are_config_errors_naming_the_variable(workspace: Path, url: str) -> None:
    code, output = run(workspace, url, "check")
    assert code == 2
    assert "$MONITOR_DATABASE_URL" in output and "postgresql+psycopg://" in output
    assert "Traceback" not in output and "p@h" not in output


def test_check_connect_tries_the_database(workspace: Path) -> None:
    url = f"sqlite:///{workspace / 'm.db'}"
    code, output = run(workspace, url, "check", "--connect")
    assert code == 1 and "monitor db upgrade" in output  # reachable but without a schema
    assert run(workspace, url, "db", "upgrade")[0] == 0
    code, output = run(workspace, url, "check", "--connect")
    assert code == 0 and "at migration" in " ".join(output.split())
    bad = f"postgresql+psycopg://app:{PASSWORD}@127.0.0.1:{closed_port()}/news"
    code, output = run(workspace, bad, "check", "--connect")
    assert code == 1 and "nothing accepts connections" in output and PASSWORD not in output
    code, _ = run(workspace, bad, "check")  # without --connect the config alone is checked
    assert code == 0


def test_a_read_only_database_can_still_be_read(workspace: Path) -> None:
    path = workspace / "ro.db"
    db.upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:  # a rollback-journal file, as a read-only copy would be
        conn.execute("PRAGMA journal_mode=DELETE")
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    code, output = run(workspace, read_only, "status")
    assert code == 0, output  # reading needs no WAL switch
    code, output = run(workspace, read_only, "poll")
    assert code == 1
    assert "cannot be written" in one_line(output) and str(path) in output


def test_a_taken_health_port_names_what_sets_it(workspace: Path) -> None:
    url = f"sqlite:///{workspace / 'm.db'}"
    db.upgrade(url)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "MONITOR_DATABASE_URL": url, "MONITOR_SERVER_PORT": str(port)}
        env["PYTHONPATH"] = str(ROOT)
        cmd = [sys.executable, "-m", "monitor", "run", "-c", "monitor.yaml"]
        args = {"cwd": workspace, "capture_output": True, "text": True, "timeout": 60}
        proc = subprocess.run([*cmd, "--health-host", "127.0.0.1"], env=env, **args)  # type: ignore[call-overload]
        flag = subprocess.run(  # type: ignore[call-overload]
            [*cmd, "--health-host", "127.0.0.1", "--health-port", str(port)], env=env, **args
        )
    for p, origin in ((proc, "$MONITOR_SERVER_PORT"), (flag, "--health-port")):
        assert p.returncode == 1
        errors = [line for line in p.stderr.splitlines() if line.startswith("error:")]
        assert "Traceback" not in p.stderr
        assert len(errors) == 1 and f"127.0.0.1:{port}" in errors[0] and origin in errors[0]


@pytest.mark.parametrize(("variable", "says"), [("abc", "not a port number"), ("70000", "70000")])
def test_an_unusable_health_port_variable_is_one_line(
    workspace: Path, variable: str, says: str
) -> None:
    url = f"sqlite:///{workspace / 'm.db'}"
    db.upgrade(url)
    env = {**os.environ, "MONITOR_DATABASE_URL": url, "MONITOR_SERVER_PORT": variable}
    env["PYTHONPATH"] = str(ROOT)
    cmd = [
        sys.executable,
        "-m",
        "monitor",
        "run",
        "-c",
        "monitor.yaml",
        "--health-host",
        "127.0.0.1",
    ]
    proc = subprocess.run(cmd, cwd=workspace, capture_output=True, text=True, timeout=60, env=env)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(errors) == 1 and says in errors[0] and "MONITOR_SERVER_PORT" in errors[0]
