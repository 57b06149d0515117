"""Extraction workers (and their forkserver) exit when the daemon is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT
from tests.test_daemon_support import wait_for

CHILD = textwrap.dedent(
    """
    import os, sys, time
    from monitor.pipeline.poll import extraction_pool

    if __name__ == "__main__":
        pool = extraction_pool(2)
        pids = {pool.submit(os.getpid).result() for _ in range(8)}
        print(" ".join(str(p) for p in sorted(pids)), flush=True)
        time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:  # a zombie has exited
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path, encoding="ascii") as f:
        return [int(p) for p in f.read().split()]


@pytest.mark.slow
def test_a_killed_parent_leaves_no_extraction_process_behind(tmp_path: object) -> None:
    script = os.path.join(str(tmp_path), "parent.py")
    with open(script, "w", encoding="utf-8") as f:
        f.write(CHILD)
    proc = subprocess.Popen([sys.executable, script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        workers = [int(p) for p in proc.stdout.readline().split()]
        helpers = _children(proc.pid)  # the forkserver and the resource tracker
        assert workers and helpers
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        wait_for("the extraction processes to exit", lambda: not any(
            _alive(p) for p in workers + helpers
        ), timeout=20)  # fmt: skip
    finally:
        if proc.poll() is None:
            proc.kill()
