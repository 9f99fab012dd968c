"""Autocomplete: the lower-cased title as a column, and trigram indexes on it and on the name.

CKAN's package_autocomplete asks for Solr's n-gram fields (name_ngram, title_ngram): a substring
of the name or title. PostgreSQL answers that with LIKE '%...%', which pg_trgm's GIN indexes
serve. pg_trgm ships with PostgreSQL (contrib) and is a trusted extension, so the database owner
may create it; where it is missing the indexes are skipped and autocomplete scans the two columns.

Revision ID: 0004_autocomplete
Revises: 0003_inline_search_columns
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_autocomplete"
down_revision = "0003_inline_search_columns"
branch_labels = None
depends_on = None

INDEXES = {
    "govcatalog_search_document_name_trgm": "name gin_trgm_ops",
    "govcatalog_search_document_title_trgm": "title_folded gin_trgm_ops",
}


def _trigrams_available() -> bool:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return True
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        savepoint.rollback()  # not installed, or not allowed: autocomplete still works, unindexed
        return False
    savepoint.commit()
    return True


def upgrade() -> None:
    op.execute("ALTER TABLE govcatalog_search_document ADD COLUMN title_folded text NOT NULL DEFAULT ''")
    # the index fills it the same way (NFC, lower case); `ckan search-index rebuild` redoes it exactly
    op.execute("UPDATE govcatalog_search_document "
               "SET title_folded = lower(normalize(coalesce(doc ->> 'title', ''), NFC))")
    if _trigrams_available():
        for name, column in INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON govcatalog_search_document USING gin ({column})")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("ALTER TABLE govcatalog_search_document DROP COLUMN title_folded")
