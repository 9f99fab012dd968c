"""Vocabulary facets on the search page and in package_search."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from ckanext.govcatalog.tests.schema.payloads import dataset_payload

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")


@pytest.fixture
def datasets():
    sysadmin = factories.Sysadmin()
    org = factories.Organization()
    context = {"user": sysadmin["name"]}
    helpers.call_action("package_create", context=dict(context), **dataset_payload(
        org["id"], "stats", objective=["พันธกิจหน่วยงาน", "มติคณะรัฐมนตรี"]))
    helpers.call_action("package_create", context=dict(context), **dataset_payload(
        org["id"], "records", "ข้อมูลระเบียน", high_value_dataset="True"))
    return org


def test_multiple_choices_are_faceted_by_value(datasets):
    result = helpers.call_action("package_search", **{"facet.field": ["objective", "data_type", "high_value_dataset"]})
    assert result["facets"]["objective"] == {"พันธกิจหน่วยงาน": 2, "มติคณะรัฐมนตรี": 1}
    assert result["facets"]["data_type"] == {"ข้อมูลสถิติ": 1, "ข้อมูลระเบียน": 1}
    # high_value_dataset belongs to the record group: the statistics dataset has none
    assert result["facets"]["high_value_dataset"] == {"True": 1}


def test_filter_on_a_multiple_choice(datasets):
    result = helpers.call_action("package_search", fq='objective:"มติคณะรัฐมนตรี"')
    assert [r["name"] for r in result["results"]] == ["stats"]


def test_search_page_shows_vocabulary_facets_with_labels(app, datasets):
    body = app.get("/dataset/", extra_environ={"CKAN_LANG": "en"}).body
    for title in ("Dataset type", "Data category", "Classification level", "Objective",
                  "Geographic coverage", "Update frequency", "High-value dataset"):
        assert title in body
    assert "Statistical data" in body  # the English label of ข้อมูลสถิติ


def test_search_page_in_thai(app, datasets):
    body = app.get("/th/dataset/").body
    assert "ระดับชั้นข้อมูล" in body and "ข้อมูลสถิติ" in body
