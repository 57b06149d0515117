"""Extraction workers die with the daemon that started them.

A SIGKILLed daemon runs no cleanup: its pool workers (children of the forkserver, not of the
daemon) would wait on their task queue forever, and each keeps the forkserver alive. Every
worker therefore watches the daemon's pid from a thread and exits when it is gone; once the
last worker is gone the forkserver sees its lifeline pipe close and exits too.
"""

from __future__ import annotations

import os
import select
import threading
import time

POLL_S = 1.0  # only where pidfd_open is missing (Linux < 5.3, other systems)


def _wait_for_exit(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)  # no pid-reuse race: the handle names this very process
    except ProcessLookupError:
        return
    except (AttributeError, OSError):
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                pass
            time.sleep(POLL_S)
    try:
        select.select([fd], [], [])  # readable once the process has exited
    finally:
        os.close(fd)


def die_with(pid: int) -> None:
    """Pool initializer: exit this worker as soon as process `pid` (the daemon) exits."""

    def watch() -> None:
        _wait_for_exit(pid)
        os._exit(0)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()
