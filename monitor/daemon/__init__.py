"""`monitor run`: the scheduler worker, its health server and its metrics."""

#: The package's modules, each named for its stage (docs/architecture.md).
__all__ = ["health", "metrics", "worker"]
