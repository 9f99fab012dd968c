"""Alembic scripts, one folder per plugin; shipped as ckanext.govcatalog.migrations."""
