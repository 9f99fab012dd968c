"""Fixtures shared by every room's tests (CKAN's own pytest plugin provides the rest)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import ckan.plugins as p

from .schema import fuzzing  # noqa: F401  (Hypothesis profile, before any test builds its settings)

# Plugins with Alembic migrations, in dependency order; those loaded for a test are migrated.
MIGRATED_PLUGINS = ("activity", "harvest", "govcatalog", "govcatalog_search", "govcatalog_workflow", "govcatalog_sync",
                    "govcatalog_harvester")


@pytest.fixture
def clean_db(reset_db, migrate_db_for, with_plugins):
    """CKAN's clean_db, plus the plugins' tables (CKAN's reset drops them with everything else)."""
    reset_db()
    for plugin in MIGRATED_PLUGINS:
        if p.plugin_loaded(plugin):
            migrate_db_for(plugin)
        elif plugin == "harvest" and "ckanext.harvest.model" in sys.modules:
            _migrate_unloaded_harvest()


def _migrate_unloaded_harvest() -> None:
    """Once an earlier test in this process imported ckanext-harvest's model, every Package maps
    `harvest_objects`, and purging a dataset reads harvest_object even with the plugin unloaded:
    the table must exist (CKAN's migrate_db_for only migrates loaded plugins)."""
    import ckanext.harvest
    from ckan import model

    ini = Path(ckanext.harvest.__file__).parent / "migration" / "harvest" / "alembic.ini"
    original = model.repo._alembic_ini
    model.repo._alembic_ini = str(ini)
    try:
        model.repo.upgrade_db("head")
    finally:
        model.repo._alembic_ini = original


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, each worker tests against its own database and Redis database: an ini
    of its own (.run/test-<worker>.ini) on top of the one given, read before CKAN loads it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and getattr(config.option, "ckan_ini", None):
        from .servers import worker_ini

        config.option.ckan_ini = str(worker_ini(config.option.ckan_ini, worker))


# One Chromium per test process, shared by every folder's browser tests (a second sync Playwright in
# the same process fails).
@pytest.fixture(scope="session")
def browser():
    from .browser.conftest import CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()
