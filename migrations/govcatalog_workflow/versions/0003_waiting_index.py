"""What waits for a decision, indexed: the approvals badge is one index-only COUNT.

Revision ID: 0003_waiting_index
Revises: 0002_authors_and_staged_uploads
Create Date: 2026-12-03
"""
from alembic import op

revision = "0003_waiting_index"
down_revision = "0002_authors_and_staged_uploads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX govcatalog_workflow_waiting_idx ON govcatalog_workflow (package_id) "
               "WHERE state = 'pending' OR pending_revision IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX govcatalog_workflow_waiting_idx")
