"""organization.search_text: name and slug folded (lower case, no diacritics) for the directory
search over thousands of organizations

Revision ID: 0110_a_organization_search
Revises: 0100_minutes_replies
Create Date: 2026-12-07 11:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ecabinet.models.search_text import fold

revision: str = "0110_a_organization_search"
down_revision: str | None = "0100_minutes_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_text", sa.String(length=300), server_default="", nullable=False)
        )
    organization = sa.table(
        "organization",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("slug", sa.String),
        sa.column("search_text", sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(organization.c.id, organization.c.name, organization.c.slug))
    for org_id, name, slug in rows.all():
        conn.execute(
            organization.update()
            .where(organization.c.id == org_id)
            .values(search_text=fold(f"{name} {slug}")[:300])
        )


def downgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("search_text")
