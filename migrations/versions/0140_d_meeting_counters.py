"""meeting_counter: an attendee's counter-proposal (iTIP COUNTER) for the secretary to decide

Revision ID: 0140_d_meeting_counters
Revises: 0110_a_organization_search
Create Date: 2026-12-07 11:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ecabinet.models.base

revision: str = "0140_d_meeting_counters"
down_revision: str | None = "0110_a_organization_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("starts_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "declined",
                name="counterstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("received_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_meeting_counter_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_counter_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_meeting_counter_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_counter")),
    )
    op.create_index("ix_meeting_counter_meeting_id", "meeting_counter", ["meeting_id"])
    op.create_index("ix_meeting_counter_participant_id", "meeting_counter", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_meeting_counter_participant_id", table_name="meeting_counter")
    op.drop_index("ix_meeting_counter_meeting_id", table_name="meeting_counter")
    op.drop_table("meeting_counter")
