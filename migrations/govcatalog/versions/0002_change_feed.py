"""The change feed (govcatalog_changes): every change of a dataset that alters what a puller may see.

Existing datasets get a first change ("created") with their facts today, so that a later
withdrawal reaches pullers that had them.

Revision ID: 0002_change_feed
Revises: 0001_top_secret_private
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_change_feed"
down_revision = "0001_top_secret_private"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "govcatalog_change",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("package_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("metadata_modified", sa.Text),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
    )
    op.create_index("govcatalog_change_package_idx", "govcatalog_change", ["package_id", "id"])
    op.create_index("govcatalog_change_at_idx", "govcatalog_change", ["at"])
    op.create_table(
        "govcatalog_change_pruned",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("through", sa.BigInteger, nullable=False),
    )
    workflow = op.get_bind().execute(sa.text("SELECT to_regclass('govcatalog_workflow') IS NOT NULL")).scalar()
    state = ("COALESCE((SELECT w.state FROM govcatalog_workflow w WHERE w.package_id = p.id), "
             "CASE WHEN p.private THEN 'private' ELSE 'published' END)" if workflow
             else "CASE WHEN p.private THEN 'private' ELSE 'published' END")
    op.execute(
        "INSERT INTO govcatalog_change (package_id, kind, at, metadata_modified, before, after) "
        "SELECT p.id, 'created', now(), to_char(p.metadata_modified, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), NULL, "
        "jsonb_build_object('owner_org', p.owner_org, 'level', p.extras->>'data_classification', "
        "'creator_user_id', p.creator_user_id, "
        f"'workflow_state', CASE WHEN p.state = 'active' THEN {state} ELSE p.state END, "
        "'category', p.extras->>'data_category', "
        "'harvest_consent', (p.extras->>'allow_harvest') IS DISTINCT FROM 'False') "
        "FROM package p WHERE p.type = 'dataset' AND p.state <> 'deleted' ORDER BY p.metadata_modified"
    )


def downgrade() -> None:
    op.drop_table("govcatalog_change_pruned")
    op.drop_table("govcatalog_change")
