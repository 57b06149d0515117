"""`monitor eval`: replay a labeled corpus on a temporary database, then score it."""

#: The package's modules, each named for its stage (docs/architecture.md).
__all__ = ["explain", "replay", "scores"]
