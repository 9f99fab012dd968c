"""Columns for the filters every search carries (state, capacity, type, labels).

As jsonb containment, PostgreSQL estimates them as highly selective and builds the plan around
them; as plain columns it knows they match nearly everything and starts from the text index.

Revision ID: 0002_filter_columns
Revises: 0001_search_document
Create Date: 2026-11-23
"""
from alembic import op

revision = "0002_filter_columns"
down_revision = "0001_search_document"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE govcatalog_search_document
            ADD COLUMN state text NOT NULL DEFAULT '',
            ADD COLUMN capacity text NOT NULL DEFAULT '',
            ADD COLUMN dataset_type text NOT NULL DEFAULT ''
        """
    )
    op.execute(
        """
        UPDATE govcatalog_search_document SET
            state = coalesce(terms -> 'state' ->> 0, ''),
            capacity = coalesce(terms -> 'capacity' ->> 0, ''),
            dataset_type = coalesce(terms -> 'dataset_type' ->> 0, '')
        """
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE govcatalog_search_document DROP COLUMN state, DROP COLUMN capacity, DROP COLUMN dataset_type"
    )
