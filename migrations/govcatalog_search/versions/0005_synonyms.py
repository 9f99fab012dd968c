"""Synonym groups applied at query time, with the government starter list.

Revision ID: 0005_synonyms
Revises: 0004_autocomplete
Create Date: 2026-12-03
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005_synonyms"
down_revision = "0004_autocomplete"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE govcatalog_search_synonym (
            id text PRIMARY KEY,
            terms text[] NOT NULL,
            created timestamptz NOT NULL DEFAULT now(),
            modified timestamptz NOT NULL DEFAULT now(),
            modified_by text
        )
        """
    )
    from ckanext.govcatalog.search.synonyms import STARTER_GROUPS

    insert = sa.text("INSERT INTO govcatalog_search_synonym (id, terms) VALUES (:id, :terms)")
    for terms in STARTER_GROUPS:
        op.get_bind().execute(insert, {"id": str(uuid.uuid4()), "terms": list(terms)})


def downgrade() -> None:
    op.execute("DROP TABLE govcatalog_search_synonym")
