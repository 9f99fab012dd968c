"""Sync: what each push target holds of each dataset; GD Catalog's registration states.

Revision ID: 0001_sync
Revises:
Create Date: 2026-12-03
"""
from alembic import op

revision = "0001_sync"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE govcatalog_sync (
            package_id text NOT NULL,
            target text NOT NULL,
            package_name text,
            remote_id text,
            remote_name text NOT NULL,
            remote_modified text,
            state text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'synced', 'failed', 'withdrawn')),
            operation text NOT NULL DEFAULT 'push' CHECK (operation IN ('push', 'withdraw')),
            digest text,
            held boolean NOT NULL DEFAULT false,
            attempts integer NOT NULL DEFAULT 0,
            next_retry_at timestamptz,
            last_error text,
            synced_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (package_id, target)
        )
        """
    )
    op.execute("CREATE INDEX govcatalog_sync_target_state ON govcatalog_sync (target, state)")
    op.execute("CREATE INDEX govcatalog_sync_due ON govcatalog_sync (next_retry_at) "
               "WHERE state IN ('pending', 'failed')")
    op.execute(
        """
        CREATE TABLE govcatalog_gdcatalog_state (
            package_id text PRIMARY KEY,
            state text NOT NULL,
            last_known text,
            remote_name text,
            remote_modified text,
            validate_time text,
            checked_at timestamptz NOT NULL DEFAULT now(),
            answered_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX govcatalog_gdcatalog_state_state ON govcatalog_gdcatalog_state (state)")


def downgrade() -> None:
    op.execute("DROP TABLE govcatalog_gdcatalog_state")
    op.execute("DROP TABLE govcatalog_sync")
