"""`monitor serve` and the desk beside `monitor run`: refused without users, read-only, on
loopback, signed in with a token from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from monitor.config import load_config
from monitor.web.server import desk_beside_daemon
from tests.conftest import ROOT
from tests.deskdata import TOKENS, DeskData, build
from tests.smtp import free_port
from tests.test_daemon_support import wait_for


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> DeskData:
    return build(tmp_path_factory.mktemp("serve"))


def without_users(data: DeskData, tmp: Path) -> Path:
    text = data.config_file.read_text(encoding="utf-8").split("\nweb:")[0]
    path = tmp / "monitor.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow  # a subprocess
def test_serve_refuses_to_start_when_nobody_could_sign_in(data: DeskData, tmp_path: Path) -> None:
    cfg = without_users(data, tmp_path)
    r = subprocess.run(
        [sys.executable, "-m", "monitor", "serve", "--config", str(cfg), "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert r.returncode == 2 and "web.users is empty" in r.stderr


@pytest.mark.slow  # a subprocess
def test_serve_is_read_only_on_loopback(data: DeskData, tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "serve", "--config", str(data.config_file),
         "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=log, env={**os.environ, **data.env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        auth = {"Authorization": f"Bearer {TOKENS['DESK_TOKEN_ALICE']}"}

        def up() -> bool:
            try:
                return httpx.get(f"{base}/feeds", headers=auth).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for("monitor serve answers", up)
        page = httpx.get(f"{base}/articles/1", headers=auth).text
        assert "read-only" in page and 'class="feedback-form"' not in page
        posted = httpx.post(f"{base}/articles/1/feedback", headers=auth, data={"label": "relevant"})
        assert posted.status_code == 403
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
        log.close()


def test_the_daemon_serves_no_desk_without_users_or_a_port(
    data: DeskData, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="monitor.web.server")
    cfg = load_config(without_users(data, tmp_path), env={})
    with desk_beside_daemon(cfg) as server:
        assert server is None
    assert "web.users is empty" in caplog.text
    assert data.cfg.monitor.web.port == 0
    with desk_beside_daemon(data.cfg) as server:
        assert server is None  # port 0: no desk


def test_the_daemon_desk_binds_loopback_by_default(data: DeskData) -> None:
    port = free_port()
    web = data.cfg.monitor.web.model_copy(update={"port": port})
    cfg = data.cfg.model_copy(update={"monitor": data.cfg.monitor.model_copy(update={"web": web})})
    with desk_beside_daemon(cfg) as server:
        assert server is not None and server.host == "127.0.0.1" and server.port == port
        assert httpx.get(f"{server.url}/login").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/login")
