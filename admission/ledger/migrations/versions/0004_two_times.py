"""ledger version 2: revisions' effective dates, resolutions' state and added items, transfers,
terminations, refused submissions

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

from admission.dates import beijing_date

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _effective_dates()
    op.add_column("projects", sa.Column("agreed_delivery_on", sa.Date(), nullable=True))  # 约定交地日期
    for column in (
        sa.Column("contract_number", sa.String(length=40), nullable=True),  # 合同编号
        sa.Column("parcel_number", sa.String(length=40), nullable=True),  # 地块编号
        sa.Column("contract_area_mu", sa.String(length=40), nullable=True),  # 出让面积（亩）
        sa.Column("contract_signed_on", sa.Date(), nullable=True),  # 合同签订日期
        sa.Column("committed_fixed_assets", sa.String(length=40), nullable=True),  # 监管协议: 约定固定资产投资
        sa.Column("committed_tax", sa.String(length=40), nullable=True),  # 约定年税收
        sa.Column("committed_output", sa.String(length=40), nullable=True),  # 约定达产产值
    ):
        op.add_column("projects", column)
    # Plain ADD COLUMN (SQLite and PostgreSQL both have it): no table copy, no constraint reordering.
    op.add_column("resolutions", sa.Column("added_item", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("resolutions", sa.Column("withdrawn", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("resolutions", sa.Column("reason", sa.Text(), nullable=True))
    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("from_district", sa.String(length=40), nullable=False),
        sa.Column("to_district", sa.String(length=40), nullable=False),
        sa.Column("approval", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=8), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(length=8), nullable=False),
        sa.Column("approval", sa.String(length=200), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "terminations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "refused_submissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("district", sa.String(length=40), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for table in ("transfers", "extensions", "terminations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_project_id"), ["project_id"], unique=False)
    with op.batch_alter_table("refused_submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refused_submissions_case_id"), ["case_id"], unique=False)


def _effective_dates() -> None:
    """Each revision's effective date: its 受理日期, else the day it was recorded (Beijing time)."""
    op.add_column("revisions", sa.Column("effective_on", sa.Date(), nullable=True))
    connection = op.get_bind()
    table = sa.table("revisions", sa.column("project_id"), sa.column("number"), sa.column("content"), sa.column("recorded_at"),
                     sa.column("effective_on", sa.Date()))  # fmt: skip
    rows = connection.execute(sa.select(table.c.project_id, table.c.number, table.c.content, table.c.recorded_at)).all()
    for row in rows:
        submitted = json.loads(row.content).get("submitted_on")
        day = date.fromisoformat(submitted) if submitted else beijing_date(row.recorded_at)
        connection.execute(
            table.update().where(table.c.project_id == row.project_id, table.c.number == row.number).values(effective_on=day)
        )


def downgrade() -> None:
    for table in ("refused_submissions", "terminations", "extensions", "transfers"):
        op.drop_table(table)
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_column("effective_on")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        for name in ("agreed_delivery_on", "contract_number", "parcel_number", "contract_area_mu", "contract_signed_on",
                     "committed_fixed_assets", "committed_tax", "committed_output"):  # fmt: skip
            batch_op.drop_column(name)
    with op.batch_alter_table("resolutions", schema=None) as batch_op:
        batch_op.drop_column("reason")
        batch_op.drop_column("withdrawn")
        batch_op.drop_column("added_item")
