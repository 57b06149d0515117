"""The Dockerfile's promises, checked as far as a machine without a Docker engine allows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.store import db
from tests.conftest import ROOT
from tests.smtp import free_port
from tests.test_daemon_support import DaemonProcess, wait_for, write_config

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instruction(name: str) -> str:
    """The (joined) arguments of the last `name` instruction."""
    text = DOCKERFILE.replace("\\\n", " ")
    found = re.findall(rf"^{name}\s+(.*)$", text, flags=re.MULTILINE)
    assert found, name
    return str(found[-1])


def healthcheck_command() -> list[str]:
    args = instruction("HEALTHCHECK")
    return list(json.loads(args[args.index("CMD") + 3 :].strip()))


def test_the_image_runs_the_daemon_as_a_non_root_user_with_data_and_config_volumes() -> None:
    assert json.loads(instruction("CMD"))[:2] == ["monitor", "run"]
    user = instruction("USER").split(":")[0]
    assert user.isdigit() and int(user) != 0
    assert set(json.loads(instruction("VOLUME"))) == {"/data", "/config"}
    assert "MONITOR_SERVER_HOST=0.0.0.0" in DOCKERFILE  # reachable from outside the container
    assert instruction("FROM").startswith("python:3.11-slim")


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_the_healthcheck_command_passes_against_a_running_daemon_and_fails_without_one(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db.upgrade(url)
    config = write_config(tmp_path / "config", database_url=url, feeds=[])
    port = free_port()
    env = {"MONITOR_SERVER_HOST": "0.0.0.0", "MONITOR_SERVER_PORT": str(port)}
    cmd = healthcheck_command()
    assert cmd[0] == "python"
    probe = [sys.executable, *cmd[1:]]
    daemon = DaemonProcess(config, tmp_path / "daemon.log", health_port=port, env=env)
    try:
        wait_for("the daemon healthy", lambda: daemon.get("/healthz")[0] == 200)
        ok = subprocess.run(probe, env=env, capture_output=True, timeout=30)
        assert ok.returncode == 0, ok.stderr
        assert f"http://0.0.0.0:{port}/healthz" in daemon.output()
    finally:
        assert daemon.stop() == 0
    down = subprocess.run(probe, env=env, capture_output=True, timeout=30)
    assert down.returncode != 0
