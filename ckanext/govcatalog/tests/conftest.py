"""Fixtures shared by every room's tests (CKAN's own pytest plugin provides the rest)."""
from __future__ import annotations

import pytest

# Plugins whose Alembic migrations the tests need, in dependency order.
MIGRATED_PLUGINS = ("activity", "govcatalog_search")


@pytest.fixture
def clean_db(reset_db, migrate_db_for, with_plugins):
    """CKAN's clean_db, plus our plugins' tables (CKAN's reset drops them with everything else)."""
    reset_db()
    for plugin in MIGRATED_PLUGINS:
        migrate_db_for(plugin)
