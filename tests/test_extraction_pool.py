"""The extraction pool's workers start with what the forkserver built once for all of them."""

from __future__ import annotations

import gc

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


def _collector_view() -> tuple[int, bool]:
    """(In a worker.) How many objects the cyclic collector skips, and whether a module the
    forkserver imported is among the objects it still walks."""
    import trafilatura

    walked = any(o is trafilatura.__dict__ for o in gc.get_objects())
    return gc.get_freeze_count(), walked


def test_workers_never_walk_what_they_inherited() -> None:
    with extraction_pool(1) as pool:
        frozen, walked = pool.submit(_collector_view).result(timeout=120)
    # the forkserver's imports are frozen: a full collection in the worker neither spends
    # its time on them nor writes into (and so copies) the pages shared with the forkserver
    assert frozen > 10_000
    assert not walked


def _compiled() -> list[str]:
    """(In a worker, before any page.) The keys of the watchlists this worker has compiled."""
    from monitor.pipeline import prepare

    return list(prepare._MATCHERS)


def test_workers_compile_the_watchlists_they_are_given_before_the_first_page() -> None:
    from monitor.config import WatchlistConfig
    from monitor.pipeline.prepare import Watchlists

    watchlists = Watchlists.of(
        [WatchlistConfig.model_validate({"id": "nk", "keywords": ["defected"]})]
    )
    with extraction_pool(1, watchlists) as pool:
        assert pool.submit(_compiled).result(timeout=120) == [watchlists.key]
    with extraction_pool(1) as pool:  # none given: the first job's compile them
        assert pool.submit(_compiled).result(timeout=120) == []
