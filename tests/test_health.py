"""/healthz and /metrics on a real HTTP server over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
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
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def serve(engine: Engine, database_url: str) -> Iterator[tuple[HealthServer, HealthState]]:
    state = HealthState(max_tick_age=60, scheduler_running=True)
    state.tick()
    probe = DatabaseProbe(database_url)
    metrics = Metrics()
    metrics.feed_done(FeedReport("f", "ok", new_articles=2, seconds=0.3))
    server = HealthServer("127.0.0.1", 0, state, probe, metrics.render).start()
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
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'ALTER SCHEMA "{schema}_gone" RENAME TO "{schema}"'))
            admin.dispose()
    assert status == 503
    assert any("database" in p for p in json.loads(body)["problems"])
    assert get(server, "/healthz")[0] == 200  # back once the database is


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
