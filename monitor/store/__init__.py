"""Storage: ORM tables, engine/sessions, and the queries the pipeline uses."""

#: The package's modules, each named for its stage (docs/architecture.md).
__all__ = [
    "articles",
    "claims",
    "db",
    "feeds",
    "hits",
    "insert",
    "models",
    "outbox",
    "outcomes",
    "probe",
    "reads",
    "retention",
    "status",
    "stories",
]
