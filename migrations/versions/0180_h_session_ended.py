"""session_state.ended_at: when the session ended (the minutes give the session's real times)

Revision ID: 0180_h_session_ended
Revises: 0140_d_meeting_counters
Create Date: 2026-12-07 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ecabinet.models.base

revision: str = "0180_h_session_ended"
down_revision: str | None = "0140_d_meeting_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ended_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("session_state", schema=None) as batch_op:
        batch_op.drop_column("ended_at")
