"""What a person sees when searching the catalog in Thai."""
from __future__ import annotations

import pytest

from ckan.tests import factories

from .conftest import screenshot

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "govcatalog_search govcatalog activity"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


@pytest.fixture
def thai_catalog():
    org = factories.Organization(name="stats-office", title="สำนักงานสถิติจังหวัด")
    for name, title, fmt in [
        ("population-province", "จำนวนประชากรรายจังหวัด", "CSV"),
        ("population-age", "ประชากรแยกตามอายุและเพศ", "XLSX"),
        ("bus-timetable", "ตารางเดินรถโดยสารประจำทาง", "JSON"),
    ]:
        factories.Dataset(name=name, title=title, owner_org=org["id"],
                          resources=[{"url": f"http://127.0.0.1/{name}.{fmt.lower()}", "format": fmt}])
    return org


def test_typing_a_thai_word_in_the_search_box_finds_the_datasets(live_server, page, thai_catalog):
    page.goto(live_server + "/dataset/")
    page.fill("#field-giant-search", "ประชากร")
    page.press("#field-giant-search", "Enter")
    page.wait_for_load_state("networkidle")
    titles = page.locator(".dataset-heading a").all_inner_texts()
    screenshot(page, "search-thai-population")
    assert sorted(t.strip() for t in titles) == ["จำนวนประชากรรายจังหวัด", "ประชากรแยกตามอายุและเพศ"]
    # the facet of formats shows what was found, with counts
    facets = page.locator("section.module-narrow").all_inner_texts()
    assert any("CSV" in f and "XLSX" in f and "JSON" not in f for f in facets)


def test_organization_page_shows_its_count(live_server, page, thai_catalog):
    page.goto(live_server + "/organization/")
    screenshot(page, "organization-list")
    assert "3" in page.locator(".media-item", has_text="สำนักงานสถิติจังหวัด").inner_text()
