"""deliveries: sending_at (a send is in flight: after a crash the row is "maybe sent"),
failed_scope (why a delivery failed: its own message, or its channel);
feeds.backlog (entries of a huge feed still to take, fetch.max_entries_per_pass)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_scope", sa.String(length=20), nullable=True))
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backlog", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("backlog")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("failed_scope")
        batch_op.drop_column("sending_at")
