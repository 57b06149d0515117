"""The pipeline: poll a feed (fetch, parse, extract), ingest each article, rematch."""

#: The package's modules, each named for its stage (docs/architecture.md).
__all__ = ["ingest", "poll", "prepare", "rematch"]
