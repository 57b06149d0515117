"""Database URLs as people write them, turned into the one form each backend needs.

`postgres://` (Heroku, libpq, most hosting panels) and `postgresql://` (SQLAlchemy's own
default is psycopg2, which is not installed) both mean PostgreSQL through psycopg 3.
Backends the service does not support are refused with the two it does.
"""

from __future__ import annotations

__all__ = ["SUPPORTED", "normalize_database_url"]

SUPPORTED = "sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/name"
_POSTGRES = ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg3", "pgsql")


def normalize_database_url(url: str) -> str:
    """The URL SQLAlchemy gets for `url`; ValueError (one line, what to write) when unusable."""
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL (no scheme://); write {SUPPORTED}")
    name = scheme.lower()
    if name in _POSTGRES:
        return f"postgresql+psycopg://{rest}"
    if name in ("sqlite", "sqlite+pysqlite"):
        return url
    backend = name.split("+", 1)[0]
    raise ValueError(f"the {backend} backend is not supported; write {SUPPORTED}")
