"""The extraction pool: worker processes for the CPU half of an article (`prepare`).

Workers are forked by a forkserver (not by the event loop's process, whose resolver threads
must not be forked mid-flight) that has imported extraction and matching once, so a new
worker starts in milliseconds with those modules already in memory. Given the watchlists,
each worker compiles them as it starts, before its first page (`matcher_for`'s cache).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from monitor.extract.lifeline import die_with
from monitor.pipeline.prepare import Watchlists, matcher_for

__all__ = ["ExtractionPool", "extraction_pool"]

log = logging.getLogger(__name__)

#: what the forkserver imports once, before it forks any worker (`preload` builds the
#: tables the workers share and freezes what the forkserver holds: it stays last)
PRELOAD = [
    "monitor.extract.article",
    "monitor.pipeline.prepare",
    "monitor.extract.lifeline",
    "monitor.pipeline.preload",
]


class ExtractionPool(Executor):
    """A process pool for extraction that replaces itself when a worker dies.

    A worker killed mid-page (out of memory on a monstrous page, a crash in lxml) breaks a
    ProcessPoolExecutor for good; a daemon that runs for months must not fall back to feed
    text for every article after that. The next submit starts a fresh pool.
    """

    def __init__(self, workers: int = 0, watchlists: Watchlists | None = None) -> None:
        self._workers = workers or os.cpu_count() or 2
        self._watchlists = watchlists
        self._pool = self._start()
        self.restarts = 0

    def _start(self) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=ctx,
            initializer=_start_worker,
            initargs=(os.getpid(), self._watchlists),
        )

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool:
            self.restarts += 1
            log.warning(
                "an extraction worker died; starting a new pool (restart %d)", self.restarts
            )
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            return self._pool.submit(fn, *args, **kwargs)

    def reset(self) -> None:
        """Kill the workers (one is stuck on a page); the next submit starts a fresh pool."""
        for proc in list(getattr(self._pool, "_processes", {}).values()):
            proc.terminate()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start()
        self.restarts += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _start_worker(parent: int, watchlists: Watchlists | None) -> None:
    """Pool initializer: a killed daemon leaves no orphaned workers (`die_with`); the
    watchlists are compiled before the first page, not in its time (70-200 ms a worker)."""
    die_with(parent)
    if watchlists is not None:
        matcher_for(watchlists)


def extraction_pool(workers: int = 0, watchlists: Watchlists | None = None) -> ExtractionPool:
    """The process pool for extraction (CPU-bound): both cores work, the event loop stays free.

    `watchlists`: what the pool's jobs will match with (a job naming others still gets
    them, compiled on its first page: a reloaded config)."""
    return ExtractionPool(workers, watchlists)
