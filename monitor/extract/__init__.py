"""Article extraction: body, title, author, language and date from a fetched page."""

#: The package's modules, each named for its stage (docs/architecture.md).
__all__ = ["article", "chrome", "lifeline", "metadata"]
