"""The sync page and a dataset's GD Catalog registration state, in a real browser (Debian's
Chromium): the catalog served with the sync plugin and its targets, records made by a real sync
to the national stand-in."""
from __future__ import annotations

import os
from typing import Iterator

import pytest

from ckanext.govcatalog.sync import registration
from ckanext.govcatalog.tests import servers
from ckanext.govcatalog.tests.browser.conftest import screenshot
from ckanext.govcatalog.tests.browser.test_dataset_form import log_in
from ckanext.govcatalog.tests.sync.conftest import GDC_ORG, OPEN_ORG, SYNC_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", SYNC_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@pytest.fixture(scope="module")
def live_sync_server(tmp_path_factory, national, proxy) -> Iterator[str]:
    """This catalog with the sync plugin, its two targets on the national stand-in (through the
    proxy) and GD Catalog's state from it; the tests' own name prefixes are set per test, so the
    page shows records whatever their remote names."""
    ini = tmp_path_factory.mktemp("sync-browser") / "sync.ini"
    settings = {"ckan.plugins": SYNC_PLUGINS, "ckanext.govcatalog.sync.targets": "datagoth gdc",
                "ckanext.govcatalog.sync.target.datagoth.url": proxy.url,
                "ckanext.govcatalog.sync.target.datagoth.kind": "data_go_th",
                "ckanext.govcatalog.sync.target.datagoth.organization": OPEN_ORG,
                "ckanext.govcatalog.sync.target.gdc.url": proxy.url,
                "ckanext.govcatalog.sync.target.gdc.kind": "gd_catalog",
                "ckanext.govcatalog.sync.target.gdc.organization": GDC_ORG,
                "ckanext.govcatalog.sync.gdcatalog_url": proxy.url,
                "ckanext.govcatalog.sync.gdcatalog_portal_url": "https://gdcatalog.example.go.th"}
    ini.write_text(f"[app:main]\nuse = config:{servers.test_ini()}\n"
                   + "".join(f"{k} = {v}\n" for k, v in settings.items()))
    saved = {k: os.environ.get(k) for k in ("GOVCATALOG_SYNC_TOKEN_DATAGOTH", "GOVCATALOG_SYNC_TOKEN_GDC")}
    os.environ.update({k: national.sync_token for k in saved})  # the served catalog's own environment
    try:
        with servers.serve(ini, servers.free_port(), "sync-browser-server.log") as url:
            yield url
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)


def test_the_sync_page_and_the_registration_state_in_a_browser(sync_world, live_sync_server, browser):
    world = sync_world
    synced = world.agency.publish("browser-synced", title="ทะเบียนโรงเรียน")
    failing = world.agency.publish("browser-failing", title="สถิติการเดินทาง")
    world.drain()  # both sent to both targets; then the second fails on both when pushed again
    world.proxy.always["*"] = "500"
    world.agency.ok("govcatalog_sync_push", "sysadmin", ids=[failing["id"]])
    world.drain()
    world.proxy.always.clear()
    registration.refresh([synced["id"]])

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    page = context.new_page()
    log_in(page, live_sync_server, world.agency.users["sysadmin"])  # factories' password is PASSWORD
    page.goto(live_sync_server + "/th/ckan-admin/sync")
    screenshot(page, "sync-page")
    counts = {(c.get_attribute("data-target"), c.get_attribute("data-state")): c.inner_text()
              for c in page.locator(".govcatalog-sync-count").all()}
    assert "ส่งแล้ว: 1" in " ".join(counts[("datagoth", "synced")].split())
    assert "ล้มเหลว: 1" in " ".join(counts[("gdc", "failed")].split())
    body = page.content()
    assert "browser-synced" in body and "HTTP 500" in body and world.national.sync_token not in body

    page.select_option("#filter-state", "failed")
    page.get_by_role("button", name="กรอง").click()  # the filter form
    page.wait_for_load_state("networkidle")
    assert "browser-failing" in page.content() and "browser-synced" not in page.content()

    page.goto(live_sync_server + "/th/dataset/browser-synced")
    state = page.locator("#gdcatalog-state")
    screenshot(page, "sync-dataset-registered")
    assert "ลงทะเบียนแล้ว" in state.inner_text()
    assert state.locator("a").get_attribute("href").startswith("https://gdcatalog.example.go.th/dataset/gdpublish-")
    context.close()
