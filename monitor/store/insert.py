"""INSERT ... ON CONFLICT DO NOTHING RETURNING id, on SQLite and PostgreSQL alike.

One statement where a read-then-insert took two and a savepoint two more: the unique key
decides, so two workers racing for the same key need no retry either.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

__all__ = ["insert_new", "new_rows"]


def insert_new(
    session: Session, model: type[DeclarativeBase], values: dict[str, Any], unique: Sequence[str]
) -> int | None:
    """Insert a row unless one with the same `unique` columns exists; the new id, or None."""
    new_id = session.scalar(new_rows(session, model.__table__, unique, ["id"]), values)
    return None if new_id is None else int(new_id)


def new_rows(session: Session, table: Any, unique: Sequence[str], returning: Sequence[str]) -> Any:
    """`INSERT ... ON CONFLICT (unique) DO NOTHING RETURNING ...`, built once per backend.

    Executed with a list of parameter dicts (SQLAlchemy's "insertmanyvalues" batches them
    into multi-row statements): a statement built anew with `.values(rows)` for every batch
    cost more CPU in coercing each value than the database took to store the rows.
    """
    return _new_rows(session.get_bind().dialect.name, table, tuple(unique), tuple(returning))


@functools.cache
def _new_rows(dialect: str, table: Any, unique: tuple[str, ...], returning: tuple[str, ...]) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(*(table.c[name] for name in returning))
    )
