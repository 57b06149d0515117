"""Daemons forked from one process that imported `monitor` once: a kill cycle costs the
daemon's own start-up, not the interpreter's and the imports' (about 1.3 s of CPU idle,
3 s and more on a loaded machine: most of a kill cycle).

    python -m bench.faults.zygote run --config monitor.yaml --health-port 0

The zygote reads one line per daemon on stdin (the log file's path) and answers with the
pid of a child forked for it; the child points stderr at that log and runs the CLI with
the zygote's arguments: from there on it is `python -m monitor run` (the lock, the
database, the scheduler, "started:" in the log). The zygote imports and never runs
anything, so a child inherits no thread, engine, event loop or logging handler; `random`
reseeds itself in a forked child. It reaps its children and exits when its stdin closes.
`ForkedDaemon` is the harness's handle on one child.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _reap(_signum: int, _frame: object) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _child(log: str) -> None:
    """In the forked child: stderr to the log, no stdin or stdout, then the CLI."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(out, 2)
    code = 0
    try:
        from monitor.cli import main

        sys.argv = ["monitor", *sys.argv[1:]]
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    except BaseException:  # shown in the log, as an interpreter would
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    import monitor.cli  # the imports every child would otherwise repeat
    import monitor.daemon.worker  # noqa: F401

    signal.signal(signal.SIGCHLD, _reap)
    for line in iter(sys.stdin.readline, ""):
        pid = os.fork()
        if pid == 0:
            _child(line.strip())
        print(pid, flush=True)


class Zygote:
    """The zygote process, a child of the harness; `fork` gives a running daemon."""

    def __init__(self, config: Path) -> None:
        from tests.conftest import ROOT  # not in the zygote itself: its children inherit it

        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("MONITOR_DATABASE_URL", None)  # the config names the database
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.faults.zygote",
                "run",
                "--config",
                str(config),
                "--health-port",
                "0",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def fork(self, log: Path) -> ForkedDaemon:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{log}\n")
        self.proc.stdin.flush()
        return ForkedDaemon(int(self.proc.stdout.readline()), log)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class ForkedDaemon:
    """One daemon forked by the zygote: the calls of `DaemonProcess` the trials use."""

    def __init__(self, pid: int, log: Path) -> None:
        self.pid = pid
        self.log = log

    def alive(self) -> bool:
        """Not gone yet. Its zygote reaps it once every thread has exited, so this waits for
        that: a SIGKILLed daemon's main thread is a zombie while its other threads still
        hold its files (the SQLite lock: the next daemon would find it taken)."""
        return Path(f"/proc/{self.pid}").exists()

    def output(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # reaped already
            os.kill(self.pid, sig)

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                raise TimeoutError(f"daemon {self.pid} still running after {timeout:.0f}s")
            time.sleep(0.02)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self._wait(30)

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM, then wait until it has exited."""
        self.signal(signal.SIGTERM)
        self._wait(timeout)


if __name__ == "__main__":
    serve()
