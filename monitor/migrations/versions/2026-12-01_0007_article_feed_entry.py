"""articles.feed_entry: what the feed said of the item (guid, link, title, dates, summary...),
shown on the desk's article page beside the extracted body

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ADD/DROP COLUMN on both backends (SQLite has both since 3.35): a batch rebuild of
# `articles` on SQLite would drop the full-text triggers of 0006.


def upgrade() -> None:
    op.add_column("articles", sa.Column("feed_entry", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE articles DROP COLUMN feed_entry")
