"""INSERT ... ON CONFLICT DO NOTHING RETURNING id, on SQLite and PostgreSQL alike.

One statement where a read-then-insert took two and a savepoint two more: the unique key
decides, so two workers racing for the same key need no retry either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

__all__ = ["dialect_insert", "insert_new"]


def insert_new(
    session: Session, model: type[DeclarativeBase], values: dict[str, Any], unique: Sequence[str]
) -> int | None:
    """Insert a row unless one with the same `unique` columns exists; the new id, or None."""
    table: Any = model.__table__
    stmt = (
        dialect_insert(session, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(table.c.id)
    )
    new_id = session.scalar(stmt)
    return None if new_id is None else int(new_id)


def dialect_insert(session: Session, table: Any) -> Any:
    """The backend's own INSERT (the one with `on_conflict_do_nothing`) for the session."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
