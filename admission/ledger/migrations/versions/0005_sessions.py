"""sessions end when their user signs out or changes the password

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A session carries the epoch it was opened in; signing out, a new password or disabling the
    # account bumps it, and every older session (a stolen cookie included) is refused.
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.drop_column("session_epoch")
