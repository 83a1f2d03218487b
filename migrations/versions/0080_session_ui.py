"""ballot documents: documents of the store attached to opinion ballots; explanatory text

A ballot's attachments are documents that belong to no meeting: ``document.meeting_id`` becomes
nullable and ``ballot_document`` links a document to its ballot.

On SQLite, dropping NOT NULL normally means rebuilding the table; with foreign keys on (they are,
see ``ecabinet.db``) dropping the old ``document`` table would cascade into its versions,
receipts and annotations. SQLite documents a safe in-place way for exactly this change (removing
a NOT NULL constraint, https://sqlite.org/lang_altertable.html#otheralter): rewrite the table's
definition in the schema, bump the schema version, check integrity. That is what runs here.

Revision ID: 0080_session_ui
Revises: 0050_annotations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0080_session_ui"
down_revision: str | None = "0050_annotations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_NULL = "meeting_id INTEGER NOT NULL"
NULLABLE = "meeting_id INTEGER"


def _sqlite_rewrite(old: str, new: str) -> None:
    """Rewrite ``document``'s definition in place (only for constraint changes that leave the
    stored rows valid: SQLite's documented procedure)."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'document'"
    ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"document table definition not as expected: {sql}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'document'",
        (sql.replace(old, new, 1),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    result = bind.exec_driver_sql("PRAGMA integrity_check").scalar_one()
    if result != "ok":
        raise RuntimeError(f"integrity check failed: {result}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(NOT_NULL, NULLABLE)
    else:
        op.alter_column("document", "meeting_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("opinion_ballot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("explanation", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "ballot_document",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["opinion_ballot.id"],
            name=op.f("fk_ballot_document_ballot_id_opinion_ballot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_ballot_document_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_ballot_document")),
    )
    with op.batch_alter_table("ballot_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ballot_document_ballot_id"), ["ballot_id"], unique=False
        )


def downgrade() -> None:
    op.execute("DELETE FROM document WHERE meeting_id IS NULL")
    with op.batch_alter_table("ballot_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_document_ballot_id"))
    op.drop_table("ballot_document")
    with op.batch_alter_table("opinion_ballot", schema=None) as batch_op:
        batch_op.drop_column("explanation")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(NULLABLE + ",", NOT_NULL + ",")
    else:
        op.alter_column("document", "meeting_id", existing_type=sa.Integer(), nullable=False)
