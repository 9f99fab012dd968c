"""What ckanext-dcat and ckanext-harvest ask of search works on the PostgreSQL backend; `solr` steps aside."""
from __future__ import annotations

import pysolr
import pytest

import ckan.lib.search.index as search_index
from ckan.tests import factories, helpers

from ckanext.govcatalog.search.backend import PostgresSolrConnection


@pytest.fixture
def datasets():
    org = factories.Organization(name="stats-office")
    return [
        factories.Dataset(name="population", title="จำนวนประชากรรายจังหวัด", owner_org=org["id"]),
        factories.Dataset(name="rainfall", title="ปริมาณน้ำฝนรายเดือน", owner_org=org["id"]),
    ]


@pytest.mark.ckan_config("ckan.plugins", "govcatalog_search govcatalog activity dcat structured_data")
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestDcat:
    def test_catalog_lists_the_datasets(self, app, datasets):
        body = app.get("/catalog.ttl").body
        assert "จำนวนประชากรรายจังหวัด" in body and "ปริมาณน้ำฝนรายเดือน" in body

    def test_catalog_search_in_thai(self, app, datasets):
        body = app.get("/catalog.ttl", query_string={"q": "ประชากร"}).body
        assert "จำนวนประชากรรายจังหวัด" in body
        assert "ปริมาณน้ำฝนรายเดือน" not in body

    def test_modified_since_is_a_date_range(self, app, datasets):
        assert "ปริมาณน้ำฝนรายเดือน" in app.get("/catalog.ttl", query_string={"modified_since": "2000-01-01"}).body
        assert "ปริมาณน้ำฝนรายเดือน" not in app.get(
            "/catalog.ttl", query_string={"modified_since": "2999-01-01"}
        ).body

    def test_dataset_rdf(self, app, datasets):
        assert "จำนวนประชากรรายจังหวัด" in app.get("/dataset/population.ttl").body


@pytest.mark.ckan_config("ckan.plugins", "govcatalog_search govcatalog activity harvest ckan_harvester")
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestHarvest:
    @pytest.fixture
    def source(self):
        sysadmin = factories.Sysadmin()
        return helpers.call_action(
            "harvest_source_create", context={"user": sysadmin["name"]},
            owner_org=factories.Organization()["id"], name="agency-catalog", title="แหล่งเก็บเกี่ยวข้อมูลหน่วยงาน",
            url="http://127.0.0.1:9/", source_type="ckan",
        )

    def test_harvest_sources_are_indexed_and_listed(self, app, source):
        result = helpers.call_action("package_search", fq="+dataset_type:harvest")
        assert [r["name"] for r in result["results"]] == ["agency-catalog"]
        sysadmin = factories.SysadminWithToken()
        page = app.get("/harvest/", headers={"Authorization": sysadmin["token"]})
        assert "แหล่งเก็บเกี่ยวข้อมูลหน่วยงาน" in page.body
        assert app.get("/harvest/").status_code == 403, "harvest pages are for catalog managers (surfaces.py)"

    def test_source_clear_deletes_from_the_index(self, source):
        sysadmin = factories.Sysadmin()
        helpers.call_action("harvest_source_clear", context={"user": sysadmin["name"]}, id=source["id"])
        # The source's own dataset stays; its harvested datasets (none here) are cleared by query.
        assert helpers.call_action("package_search", fq="+dataset_type:harvest")["count"] == 1


@pytest.mark.usefixtures("with_plugins")
class TestBackendSwitch:
    def test_postgres_backend_answers_ckans_connection(self):
        assert isinstance(search_index.make_connection(), PostgresSolrConnection)

    @pytest.mark.ckan_config("ckanext.govcatalog.search.backend", "solr")
    @pytest.mark.ckan_config("solr_url", "http://127.0.0.1:8983/solr/ckan")
    def test_solr_backend_leaves_ckans_solr_path(self):
        connection = search_index.make_connection()
        assert isinstance(connection, pysolr.Solr)
        assert connection.url == "http://127.0.0.1:8983/solr/ckan"
