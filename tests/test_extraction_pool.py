"""The extraction pool's workers start with what the forkserver built once for all of them."""

from __future__ import annotations

from monitor.pipeline.pool import extraction_pool


def _inherited() -> tuple[bool, bool]:
    """(In a worker, before any page.) Is justext's stoplist built, and in justext's cache?"""
    from justext.core import define_stoplist  # type: ignore[import-untyped]
    from trafilatura import external

    built = external.JT_STOPLIST is not None
    cached = built and define_stoplist.cache_info().currsize > 0
    return built, cached


def test_workers_inherit_the_stoplist_from_the_forkserver() -> None:
    with extraction_pool(1) as pool:
        built, cached = pool.submit(_inherited).result(timeout=120)
    assert built and cached  # no worker builds its own copy on its first page
