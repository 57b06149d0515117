"""Deploy files, checked as far as a machine without systemd as PID 1 or a Docker engine
allows: the unit's sandbox scored by systemd's own analyzer, the image's build from the lock."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

UNIT = ROOT / "deploy" / "monitor.service"
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_systemd_scores_the_unit_at_most_2_5() -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (Debian: systemd)")
    proc = subprocess.run(
        [analyze, "security", "--offline=true", str(UNIT)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"Overall exposure level for \S+: ([\d.]+)", proc.stdout + proc.stderr)
    assert found, proc.stdout + proc.stderr
    assert float(found.group(1)) <= 2.5, proc.stdout


def test_the_sandbox_leaves_what_the_daemon_needs() -> None:
    s = unit_settings()
    # outbound TCP for feeds, SMTP, Slack and PostgreSQL; a Unix socket for PostgreSQL and
    # the extraction workers' forkserver
    assert set(s["RestrictAddressFamilies"][0].split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    assert "PrivateNetwork" not in s
    # its data folder is the one place it writes, and where it runs
    assert s["ReadWritePaths"] == ["/var/lib/news-monitor"] == s["WorkingDirectory"]
    assert s["ProtectSystem"] == ["strict"]
    # fork is allowed (extraction workers): @system-service includes it, nothing denies it
    assert "@system-service" in s["SystemCallFilter"]
    assert not any("@process" in f for f in s["SystemCallFilter"])
    # the process collector reads /proc/stat: the /proc subset stays whole
    assert "ProcSubset" not in s
    assert s["ExecReload"] == ["/bin/kill -HUP $MAINPID"]


def test_the_image_is_built_in_two_stages_from_the_lock_with_oci_labels() -> None:
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", DOCKERFILE, flags=re.MULTILINE)
    assert len(stages) == 2 and stages[0][1] == "build"
    assert "--constraint requirements.lock" in DOCKERFILE
    assert "--no-index --find-links /wheels" in DOCKERFILE  # nothing resolved anew at install
    for label in ("title", "description", "version", "revision", "created", "licenses", "source"):
        assert f"org.opencontainers.image.{label}=" in DOCKERFILE, label
    assert "/livez" in DOCKERFILE.split("HEALTHCHECK", 1)[1]
