"""Browser tests: a real CKAN served on 127.0.0.1 from the test database, driven by Debian's Chromium."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from ckanext.govcatalog.tests import servers

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """This catalog (test.ini) in a subprocess; it reads what the tests commit to the test database."""
    with servers.serve(servers.test_ini(), servers.free_port(), "browser-server.log") as url:
        yield url


@pytest.fixture(scope="session")
def live_workflow_server(tmp_path_factory) -> Iterator[str]:
    """The same catalog with the publish-approval workflow switched on."""
    from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS

    ini = tmp_path_factory.mktemp("workflow") / "workflow.ini"
    ini.write_text(f"[app:main]\nuse = config:{servers.test_ini()}\nckan.plugins = {WORKFLOW_PLUGINS}\n")
    with servers.serve(ini, servers.free_port(), "browser-workflow-server.log") as url:
        yield url




@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
