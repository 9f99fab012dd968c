"""Keep tsv and terms inline (compressed) in the row.

Every search reads them for each match; left to the default storage they go out of line with the
large JSON blobs of the row, and the planner, which does not count those TOAST reads, picks plans
that read thousands of them (140 ms for a 1,000-hit query at 20k datasets, 50 ms inline).

Revision ID: 0003_inline_search_columns
Revises: 0002_filter_columns
Create Date: 2026-11-23
"""
from alembic import op

revision = "0003_inline_search_columns"
down_revision = "0002_filter_columns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE govcatalog_search_document ALTER COLUMN tsv SET STORAGE MAIN, "
        "ALTER COLUMN terms SET STORAGE MAIN"
    )
    # existing rows keep their old storage until rewritten: rewrite them in place
    op.execute("UPDATE govcatalog_search_document SET tsv = tsv || ''::tsvector, terms = terms || '{}'::jsonb")


def downgrade() -> None:
    op.execute(
        "ALTER TABLE govcatalog_search_document ALTER COLUMN tsv SET STORAGE EXTENDED, "
        "ALTER COLUMN terms SET STORAGE EXTENDED"
    )
