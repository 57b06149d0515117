"""What the extraction pool's forkserver builds once, before it forks any worker.

The forkserver can only import modules (`set_forkserver_preload`); importing this one builds
the tables every worker would otherwise build for itself on its first pages, so the workers
share them with the forkserver page for page (nothing writes to them afterwards) instead of
each holding its own copy:

- justext's stoplist of all languages, which trafilatura builds on the first page that
  reaches its justext fallback (about 150,000 words, as a tuple and a lowercased frozenset:
  27 MB of Python objects);
- the matcher's table of characters whose fold is not their lowercase (`monitor.match`'s
  normalization, found once over the Basic Multilingual Plane: about 6 MB).

Importing it costs about 0.3 s of CPU, once per forkserver (not per worker, nor per pass).

Then it freezes every object the forkserver holds (`gc.freeze`; the pool imports this module
last, and nothing but the forkserver imports it), so the workers inherit them frozen: their
cyclic collector never walks them. A full collection in a worker walked about 50,000 of them
(30 ms a time, once or twice per worker in a 250-article pass) and, writing its bookkeeping
into each object's header, copied the shared pages into the worker: freezing them here cut
the PSS of a 250-article pass by about 25 MB (two workers).
"""

from __future__ import annotations

import gc

from justext.core import define_stoplist  # type: ignore[import-untyped]
from trafilatura import external

from monitor.match import normalize

__all__ = ["warm"]


def warm() -> None:
    """Build the shared tables (idempotent: each is built once)."""
    stoplist = external.JT_STOPLIST or external.jt_stoplist_init()
    define_stoplist(stoplist)  # justext's lru_cache, keyed by that very tuple
    normalize("\u00e9")  # the first non-ASCII text builds the fold table


warm()
gc.freeze()  # after the other preloads: PRELOAD lists this module last
