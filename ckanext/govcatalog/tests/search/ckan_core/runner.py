"""pytest plugin: CKAN core's search-related tests against the PostgreSQL search backend.

Used by `make test` (and `make test-ckan-core`) as
``pytest -p ckanext.govcatalog.tests.search.ckan_core.runner --ckan-ini=<this folder>/core.ini <core test files>``.
It keeps the backend's table across CKAN's database resets and skips, with its reason, every test
that checks Solr itself rather than what search returns.
"""
from __future__ import annotations

import os
from typing import Any

import pytest

import ckan
import ckan.tests.helpers as test_helpers
import ckanext.govcatalog
from ckan import model

CORE_TESTS = os.path.join(os.path.dirname(ckan.__file__), "tests")
# The core test modules that exercise search (relative to ckan/tests).
MODULES = (
    "lib/search",
    "logic/action/test_get.py",
    "controllers/test_package.py",
    "controllers/test_group.py",
    "controllers/test_organization.py",
    "controllers/test_feed.py",
    "controllers/test_api.py",
)

# Tests that check Solr itself, not what search returns (node id suffix -> reason).
SOLR_ONLY: dict[str, str] = {
    "test_search.py::test_check_valid_schema": "reads the version of Solr's schema.xml; there is no Solr schema",
    "test_search.py::test_check_invalid_schema": "reads the version of Solr's schema.xml; there is no Solr schema",
    "test_search.py::test_check_schema_with_wrong_version": "reads the version of Solr's schema.xml",
    "test_search.py::test_allowed_local_params_via_config":
        "Solr's local-parameter query parsers ({!bool ...}); the backend refuses them with a search error",
    "test_search.py::test_get_index_uses_site_id":
        "one Solr core shared by several sites (documents keyed by index_id); this index is per site database",
    "test_index.py::TestPackageSearchIndex::test_index_package_stores_basic_solr_fields":
        "Solr stores dates to the millisecond; the backend keeps CKAN's microseconds",
    "test_package.py::TestPackageNew::test_new_indexerror": "points solr_url at a dead Solr server",
    "test_api.py::test_package_search_connection_errors": "points solr_url at a dead Solr server",
    "test_package.py::TestSearch::test_search_solr_syntax_error":
        "expects Solr to reject '--included' typed in the search box; the backend searches such text as words",
}
# Not search: environment differences from CKAN's own CI (node id suffix -> reason).
ENVIRONMENT: dict[str, str] = {
    "test_package.py::TestResourceDownload::test_resource_download_content_type":
        "content type of a file download (no '; charset=utf-8' here); not search",
}


def paths() -> list[str]:
    return [os.path.join(CORE_TESTS, module) for module in MODULES]


MIGRATIONS = os.path.join(os.path.dirname(ckanext.govcatalog.__file__), "migration", "govcatalog_search", "alembic.ini")


def migrate_search_table() -> None:
    """Our migrations, by path: a test may have unloaded the plugin (CKAN finds migrations by plugin)."""
    original = model.repo._alembic_ini
    model.repo._alembic_ini = MIGRATIONS
    try:
        model.repo.upgrade_db()
    finally:
        model.repo._alembic_ini = original


def _reset_db_with_search_table(original: Any) -> Any:
    def reset_db() -> None:
        original()
        # CKAN's reset drops every table, the search index with them; core knows nothing of ours.
        migrate_search_table()

    return reset_db


def pytest_configure(config: pytest.Config) -> None:
    if not getattr(test_helpers.reset_db, "_govcatalog", False):
        test_helpers.reset_db = _reset_db_with_search_table(test_helpers.reset_db)
        test_helpers.reset_db._govcatalog = True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skipped = SOLR_ONLY | ENVIRONMENT
    for item in items:
        reason = next((why for suffix, why in skipped.items() if item.nodeid.endswith(suffix)), None)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))
