"""The search index table of the PostgreSQL search backend.

Revision ID: 0001_search_document
Revises:
Create Date: 2026-11-23
"""
from alembic import op

revision = "0001_search_document"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE govcatalog_search_document (
            id text PRIMARY KEY,
            site_id text NOT NULL,
            name text,
            doc jsonb NOT NULL,
            terms jsonb NOT NULL,
            field_lexemes jsonb NOT NULL,
            tsv tsvector NOT NULL,
            word_text text NOT NULL,
            permission_labels text[] NOT NULL DEFAULT '{}',
            metadata_modified timestamptz,
            data_dict text,
            validated_data_dict text,
            indexed_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX govcatalog_search_document_tsv ON govcatalog_search_document USING gin (tsv)")
    op.execute(
        "CREATE INDEX govcatalog_search_document_terms ON govcatalog_search_document "
        "USING gin (terms jsonb_path_ops)"
    )
    op.execute(
        "CREATE INDEX govcatalog_search_document_lexemes ON govcatalog_search_document "
        "USING gin (field_lexemes jsonb_path_ops)"
    )
    op.execute(
        "CREATE INDEX govcatalog_search_document_labels ON govcatalog_search_document "
        "USING gin (permission_labels)"
    )
    op.execute("CREATE INDEX govcatalog_search_document_name ON govcatalog_search_document (name)")


def downgrade() -> None:
    op.execute("DROP TABLE govcatalog_search_document")
