"""external_signing_request: a signer's revision prepared for a signature made on their own
device (interrupted signing; issue 18). signer_credential.source gains "external" (a string
column: no schema change).

Revision ID: 0200_s_external_signing
Revises: 0180_h_session_ended
Create Date: 2026-12-07 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ecabinet.models.base

revision: str = "0200_s_external_signing"
down_revision: str | None = "0180_h_session_ended"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = ecabinet.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "external_signing_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("field_name", sa.String(length=32), nullable=False),
        sa.Column("base_sha256", sa.String(length=64), nullable=False),
        sa.Column("prepared_pdf", sa.LargeBinary(), nullable=False),
        sa.Column("document_digest", sa.String(length=64), nullable=False),
        sa.Column("reserved_start", sa.Integer(), nullable=False),
        sa.Column("reserved_end", sa.Integer(), nullable=False),
        sa.Column("signed_attrs", sa.LargeBinary(), nullable=False),
        sa.Column("mechanism", sa.String(length=32), nullable=False),
        sa.Column("signed_at", when, nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("expires_at", when, nullable=False),
        sa.Column("used_at", when, nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["signer_credential.id"],
            name=op.f("fk_external_signing_request_credential_id_signer_credential"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["signing_document.id"],
            name=op.f("fk_external_signing_request_document_id_signing_document"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_external_signing_request_user_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_signing_request")),
        sa.UniqueConstraint("token", name=op.f("uq_external_signing_request_token")),
    )
    with op.batch_alter_table("external_signing_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_external_signing_request_document_id"), ["document_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("external_signing_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_signing_request_document_id"))
    op.drop_table("external_signing_request")
