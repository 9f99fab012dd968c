"""Workflow: each dataset's publication state and pending revision, the audit trail, approvers.

Revision ID: 0001_workflow
Revises:
Create Date: 2026-11-23
"""
from alembic import op

revision = "0001_workflow"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE govcatalog_workflow (
            package_id text PRIMARY KEY,
            state text NOT NULL,
            submitted_by text,
            submitted_at timestamptz,
            pending_revision jsonb,
            pending_by text,
            pending_at timestamptz,
            pending_base text,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX govcatalog_workflow_state ON govcatalog_workflow (state)")
    op.execute(
        """
        CREATE TABLE govcatalog_workflow_event (
            id bigserial PRIMARY KEY,
            package_id text NOT NULL,
            organization_id text,
            actor_id text,
            action text NOT NULL,
            from_state text,
            to_state text,
            reason text,
            revision_digest text,
            override boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX govcatalog_workflow_event_package ON govcatalog_workflow_event (package_id, id)")
    op.execute(
        """
        CREATE TABLE govcatalog_approver (
            organization_id text NOT NULL,
            user_id text NOT NULL,
            created_by text,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (organization_id, user_id)
        )
        """
    )
    op.execute("CREATE INDEX govcatalog_approver_user ON govcatalog_approver (user_id)")


def downgrade() -> None:
    op.execute("DROP TABLE govcatalog_approver")
    op.execute("DROP TABLE govcatalog_workflow_event")
    op.execute("DROP TABLE govcatalog_workflow")
