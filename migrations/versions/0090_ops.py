"""operations: the live room's state that must survive a restart (admitted guests, presentation)

Revision ID: 0090_ops
Revises: 0050_annotations
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ecabinet.models.base

revision: str = "0090_ops"
down_revision: str | None = "0060_minutes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_state",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("admitted", sa.JSON(), nullable=False),
        sa.Column("presentation", sa.JSON(), nullable=True),
        sa.Column("updated_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_live_state_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_live_state")),
    )


def downgrade() -> None:
    op.drop_table("live_state")
