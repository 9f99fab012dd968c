"""Top-secret datasets are private in CKAN's own flag, so that core paths reading it never list them.

Revision ID: 0001_top_secret_private
Revises:
Create Date: 2026-12-03
"""
from alembic import op

revision = "0001_top_secret_private"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE package SET private = true "
               "WHERE extras->>'data_classification' = 'ลับที่สุด' AND NOT private")


def downgrade() -> None:
    """Nothing to undo: the flag follows the policy again on the next edit."""
