"""/healthz and /metrics on a real HTTP server over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import json
import logging
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from monitor.config import AppConfig, MonitorConfig
from monitor.daemon.health import DatabaseProbe, HealthServer, HealthState
from monitor.daemon.metrics import Metrics
from monitor.logs import MASK, REDACTOR, JsonFormatter, TextFormatter, secret_values
from monitor.pipeline.poll import FeedReport
from tests.conftest import POSTGRES_URL


def get(server: HealthServer, path: str) -> tuple[int, bytes]:
    status, _headers, body = request(server, path)
    return status, body


def request(
    server: HealthServer, path: str, method: str = "GET", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{path}",
        method=method,
        headers={k.replace("_", "-"): v for k, v in headers.items()},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def serve(engine: Engine, database_url: str) -> Iterator[tuple[HealthServer, HealthState]]:
    state = HealthState(max_tick_age=60, scheduler_running=True)
    state.tick()
    probe = DatabaseProbe(database_url)
    metrics = Metrics()
    metrics.feed_done(FeedReport("f", "ok", new_articles=2, seconds=0.3))
    server = HealthServer("127.0.0.1", 0, state, probe, metrics.registry).start()
    yield server, state
    server.close()
    probe.close()


def test_healthz_is_200_while_the_scheduler_runs_and_the_database_answers(
    serve: tuple[HealthServer, HealthState],
) -> None:
    server, state = serve
    status, body = get(server, "/healthz")
    assert (status, json.loads(body)["status"]) == (200, "ok")
    state.scheduler_running = False
    status, body = get(server, "/healthz")
    assert status == 503
    assert json.loads(body)["problems"] == ["the scheduler is not running"]


def test_healthz_fails_when_the_last_poll_tick_is_too_old(
    serve: tuple[HealthServer, HealthState],
) -> None:
    server, state = serve
    state.max_tick_age = 0  # any age is now too old
    status, body = get(server, "/healthz")
    assert status == 503
    assert "last poll tick" in json.loads(body)["problems"][0]


def test_healthz_turns_503_when_the_database_goes_away(
    serve: tuple[HealthServer, HealthState], engine: Engine, database_url: str
) -> None:
    server, _ = serve
    assert get(server, "/healthz")[0] == 200
    engine.dispose()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        db_file = Path(str(url.database))
        moved = db_file.with_suffix(".gone")
        db_file.rename(moved)
        try:
            status, body = get(server, "/healthz")
            during = get(server, "/livez")[0], get(server, "/readyz")[0]
        finally:
            moved.rename(db_file)
    else:
        assert POSTGRES_URL
        schema = database_url.split("search_path%3D", 1)[1]
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'ALTER SCHEMA "{schema}" RENAME TO "{schema}_gone"'))
        try:
            status, body = get(server, "/healthz")
            during = get(server, "/livez")[0], get(server, "/readyz")[0]
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'ALTER SCHEMA "{schema}_gone" RENAME TO "{schema}"'))
            admin.dispose()
    assert status == 503
    assert any("database" in p for p in json.loads(body)["problems"])
    # a database outage is no reason to restart the daemon: alive, but not ready
    assert during == (200, 503)
    assert get(server, "/healthz")[0] == 200  # back once the database is
    assert get(server, "/readyz")[0] == 200


def test_metrics_parse_as_prometheus_text(serve: tuple[HealthServer, HealthState]) -> None:
    server, _ = serve
    status, body = get(server, "/metrics")
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    for name in (
        "monitor_polls",
        "monitor_poll_duration_seconds",
        "monitor_articles",
        "monitor_hits",
        "monitor_alerts",
        "monitor_deliveries",
        "monitor_feeds",
        "monitor_publication_to_fetch_seconds",
        "monitor_fetch_to_hit_seconds",
        "monitor_hit_to_delivered_seconds",
    ):
        assert name in families, name
    [ok] = [s for s in families["monitor_polls"].samples if s.labels.get("outcome") == "ok"]
    assert ok.value == 1.0
    assert get(server, "/nowhere")[0] == 404


def config_with_secrets() -> AppConfig:
    monitor = MonitorConfig.model_validate(
        {
            "channels": [
                {"name": "mail", "type": "email", "host": "smtp.example.org", "from": "a@b.c",
                 "to": ["x@y.z"], "username": "u", "password": "hunter2-smtp-secret"},
                {"name": "slack", "type": "slack",
                 "webhook_url": "https://hooks.slack.com/services/T000/B000/XXXXsecret"},
            ]
        }
    )  # fmt: skip
    return AppConfig(
        monitor=monitor,
        watchlists=[],
        path="monitor.yaml",
        database_url="postgresql+psycopg://monitor:db-pass-123@db/monitor",
    )


@pytest.mark.parametrize("formatter", [TextFormatter, JsonFormatter])
def test_logs_never_show_the_configs_secrets(formatter: type[logging.Formatter]) -> None:
    REDACTOR.set(secret_values(config_with_secrets()))
    try:
        fmt = formatter(REDACTOR)  # type: ignore[call-arg]
        try:
            raise RuntimeError("POST https://hooks.slack.com/services/T000/B000/XXXXsecret failed")
        except RuntimeError:
            import sys

            record = logging.LogRecord(
                "monitor.test", logging.ERROR, __file__, 1,
                "login with %s to %s failed", ("hunter2-smtp-secret", "db-pass-123"),
                sys.exc_info(),
            )  # fmt: skip
        line = fmt.format(record)
    finally:
        REDACTOR.set([])
    for secret in ("hunter2-smtp-secret", "db-pass-123", "XXXXsecret"):
        assert secret not in line
    assert MASK in line
    if formatter is JsonFormatter:
        data = json.loads(line)
        assert data["level"] == "ERROR" and "RuntimeError" in data["exception"]


@pytest.mark.parametrize(
    ("scheduler_running", "ticked", "max_age", "livez", "readyz"),
    [
        (True, True, 60, 200, 200),  # running, ticking, database up
        (False, True, 60, 503, 503),  # the scheduler stopped: restart it
        (True, True, 0, 503, 503),  # ticks stopped (a stuck loop): restart it
        (True, False, 60, 200, 503),  # starting: alive, not ready before its first tick
    ],
)
def test_liveness_is_the_process_readiness_adds_the_database_and_a_first_tick(
    database_url: str,
    engine: Engine,
    scheduler_running: bool,
    ticked: bool,
    max_age: float,
    livez: int,
    readyz: int,
) -> None:
    state = HealthState(max_tick_age=max_age, scheduler_running=scheduler_running)
    if ticked:
        state.tick()
    probe = DatabaseProbe(database_url)
    server = HealthServer("127.0.0.1", 0, state, probe, Metrics().registry).start()
    try:
        assert get(server, "/livez")[0] == livez
        assert get(server, "/readyz")[0] == readyz
        assert get(server, "/healthz")[0] == readyz  # the combined view, as before
        status, headers, body = request(server, "/livez", "HEAD")
        assert (status, body) == (livez, b"") and headers["Content-Type"] == "application/json"
    finally:
        server.close()
        probe.close()


def test_metrics_negotiate_openmetrics_gzip_and_head(
    serve: tuple[HealthServer, HealthState],
) -> None:
    server, _ = serve
    status, headers, _ = request(server, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    status, headers, om = request(
        server, "/metrics", Accept="application/openmetrics-text; version=1.0.0"
    )
    assert headers["Content-Type"].startswith("application/openmetrics-text")
    assert om.rstrip().endswith(b"# EOF")
    status, headers, packed = request(server, "/metrics", Accept_Encoding="gzip")
    assert headers.get("Content-Encoding") == "gzip"
    assert b"monitor_polls_total" in gzip.decompress(packed)
    status, headers, body = request(server, "/metrics", "HEAD")
    assert (status, body) == (200, b"") and int(headers["Content-Length"]) > 0
    assert request(server, "/metrics", "POST")[0] == 405


def test_metrics_carry_process_platform_and_build_info_and_no_created_series(
    serve: tuple[HealthServer, HealthState],
) -> None:
    server, _ = serve
    text = get(server, "/metrics")[1].decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert {
        "process_cpu_seconds",
        "process_resident_memory_bytes",
        "process_start_time_seconds",
    } <= set(families)
    assert "python_info" in families and "python_gc_objects_collected" in families
    [build] = families["monitor_build_info"].samples
    assert build.name == "monitor_build_info" and build.value == 1.0
    assert build.labels["version"] and build.labels["python"]
    assert "_created" not in text


def test_promtool_accepts_the_live_metrics(serve: tuple[HealthServer, HealthState]) -> None:
    """Names, types, units and help as Prometheus' own linter wants them (Debian's
    `prometheus` package; .ci/run installs it). promtool reads the classic text format only."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed: apt-get install prometheus (.ci/run does)")
    server, _ = serve
    body = request(server, "/metrics", Accept="text/plain")[2]
    proc = subprocess.run(
        [promtool, "check", "metrics"], input=body, capture_output=True, timeout=60
    )
    assert proc.returncode == 0, (proc.stdout.decode(), proc.stderr.decode())
    assert proc.stdout == b"" and proc.stderr == b""  # no lint warnings either
