"""govcatalog_harvester: the change-feed cursor each harvest job reached.

Revision ID: 0001_harvest_cursor
Revises:
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_harvest_cursor"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "govcatalog_harvest_cursor",
        sa.Column("job_id", sa.Text, primary_key=True),
        sa.Column("source_id", sa.Text, nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("govcatalog_harvest_cursor_source_idx", "govcatalog_harvest_cursor", ["source_id", "at"])


def downgrade() -> None:
    op.drop_table("govcatalog_harvest_cursor")
