"""supervision: yearly targets, progress notes, 督办 rounds with their items and replies; 项目性质

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Amount = sa.String(length=40)


def _recorded() -> list[sa.Column[str]]:
    return [sa.Column("recorded_at", sa.String(length=32), nullable=False), sa.Column("recorded_by", sa.String(length=100), nullable=False)]


def upgrade() -> None:
    with op.batch_alter_table("projects") as table:
        table.add_column(sa.Column("nature", sa.String(length=8), nullable=True))
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=2), nullable=False),
        sa.Column("target", Amount, nullable=False),
        sa.Column("weight", Amount, nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        *_recorded(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_targets_year", "targets", ["year"])
    op.create_table(
        "progress_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("coordination", sa.Text(), nullable=True),
        sa.Column("unit", sa.String(length=100), nullable=True),
        sa.Column("person", sa.String(length=100), nullable=True),
        *_recorded(),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_progress_notes_project_id", "progress_notes", ["project_id"])
    op.create_table(
        "supervision_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=False),
        sa.Column("reply_due", sa.Date(), nullable=False),
        *_recorded(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "supervision_items",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=24), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("light", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["supervision_rounds.id"]),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("round_id", "position"),
    )
    op.create_index("ix_supervision_items_project_id", "supervision_items", ["project_id"])
    op.create_table(
        "supervision_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("acted_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        *_recorded(),
        sa.ForeignKeyConstraint(["round_id"], ["supervision_rounds.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supervision_actions_round_id", "supervision_actions", ["round_id"])


def downgrade() -> None:
    for name in ("supervision_actions", "supervision_items", "supervision_rounds", "progress_notes", "targets"):
        op.drop_table(name)
    with op.batch_alter_table("projects") as table:
        table.drop_column("nature")
