"""Workflow: the authors of unapproved content (four eyes) and files staged with a pending revision.

Revision ID: 0002_authors_and_staged_uploads
Revises: 0001_workflow
Create Date: 2026-12-03
"""
from alembic import op

revision = "0002_authors_and_staged_uploads"
down_revision = "0001_workflow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE govcatalog_workflow ADD COLUMN pending_uploads jsonb")
    op.execute("ALTER TABLE govcatalog_workflow ADD COLUMN authors jsonb NOT NULL DEFAULT '[]'::jsonb")
    op.execute("ALTER TABLE govcatalog_workflow_event ADD COLUMN authors jsonb")


def downgrade() -> None:
    op.execute("ALTER TABLE govcatalog_workflow_event DROP COLUMN authors")
    op.execute("ALTER TABLE govcatalog_workflow DROP COLUMN authors")
    op.execute("ALTER TABLE govcatalog_workflow DROP COLUMN pending_uploads")
