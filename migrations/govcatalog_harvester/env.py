"""Alembic environment: shared by the govcatalog plugins (ckanext/govcatalog/migration/alembic_env.py)."""
from ckanext.govcatalog.migration.alembic_env import run_migrations

run_migrations(__file__)
