"""minutes: a comment may answer another (one level: replies hang off the thread's first comment)

Revision ID: 0100_minutes_replies
Revises: 0090_ops
Create Date: 2026-12-04 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0100_minutes_replies"
down_revision: str | None = "0090_ops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("minutes_comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_minutes_comment_reply_to_id_minutes_comment"),
            "minutes_comment",
            ["reply_to_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index("ix_minutes_comment_reply_to_id", ["reply_to_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("minutes_comment", schema=None) as batch_op:
        batch_op.drop_index("ix_minutes_comment_reply_to_id")
        batch_op.drop_constraint(
            batch_op.f("fk_minutes_comment_reply_to_id_minutes_comment"), type_="foreignkey"
        )
        batch_op.drop_column("reply_to_id")
