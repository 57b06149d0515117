"""copy index: article_copies (root, sample size, window time) and copy_postings (sampled shingles)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_copies",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("copy_of", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("share", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["copy_of"], ["articles.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["source_id"], ["articles.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("article_id"),
    )
    op.create_index("ix_article_copies_seen_at", "article_copies", ["seen_at"])
    op.create_index("ix_article_copies_copy_of", "article_copies", ["copy_of"])
    op.create_table(
        "copy_postings",
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("hash", "article_id"),
    )
    op.create_index("ix_copy_postings_article_id", "copy_postings", ["article_id"])


def downgrade() -> None:
    op.drop_index("ix_copy_postings_article_id", table_name="copy_postings")
    op.drop_table("copy_postings")
    op.drop_index("ix_article_copies_copy_of", table_name="article_copies")
    op.drop_index("ix_article_copies_seen_at", table_name="article_copies")
    op.drop_table("article_copies")
