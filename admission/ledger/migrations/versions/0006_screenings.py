"""screenings of admit serve kept per user in the database

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screenings",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("names", sa.Text(), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["owner"], ["users.id"]),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_screenings_owner", "screenings", ["owner"])
    op.create_index("ix_screenings_created_at", "screenings", ["created_at"])
    op.create_table(
        "screening_files",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("suffix", sa.String(length=8), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["key"], ["screenings.key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", "position"),
    )


def downgrade() -> None:
    op.drop_table("screening_files")
    op.drop_table("screenings")
