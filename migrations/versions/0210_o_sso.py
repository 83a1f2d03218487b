"""sso_link and oidc_login: single sign-on with OpenID Connect (issue 18, part 2)

Revision ID: 0210_o_sso
Revises: 0200_s_external_signing
Create Date: 2026-12-07 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ecabinet.models.base

revision: str = "0210_o_sso"
down_revision: str | None = "0200_s_external_signing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sso_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("created_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_sso_link_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_link")),
        sa.UniqueConstraint("issuer", "subject", name="uq_sso_link_issuer_subject"),
    )
    op.create_index("ix_sso_link_user_id", "sso_link", ["user_id"])
    op.create_table(
        "oidc_login",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("next_url", sa.String(length=500), nullable=False),
        sa.Column("created_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", ecabinet.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_session.id"],
            name=op.f("fk_oidc_login_session_id_auth_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oidc_login")),
    )
    op.create_index("ix_oidc_login_expires_at", "oidc_login", ["expires_at"])
    op.create_index("ix_oidc_login_session_id", "oidc_login", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_oidc_login_session_id", table_name="oidc_login")
    op.drop_index("ix_oidc_login_expires_at", table_name="oidc_login")
    op.drop_table("oidc_login")
    op.drop_index("ix_sso_link_user_id", table_name="sso_link")
    op.drop_table("sso_link")
