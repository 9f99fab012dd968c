"""A target of kind ``ckan``: a plain CKAN (a second real one on 127.0.0.1, no scheming, only a
search backend) keeps the national fields only as extras, so that is how they are sent."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

import ckan.plugins.toolkit as tk

from ckanext.govcatalog.sync import service, targets
from ckanext.govcatalog.tests import servers
from ckanext.govcatalog.tests.sync.conftest import SYNC_PLUGINS, National, _token
from ckanext.govcatalog.tests.workflow.conftest import Agency

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", SYNC_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]
PLAIN_PLUGINS = "govcatalog_search"  # a search backend (no Solr here), no schema


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Iterator[National]:
    port = servers.free_port()
    ini = servers.second_catalog_ini(tmp_path_factory.mktemp("plain"), tk.config["sqlalchemy.url"], "source",
                                     port, PLAIN_PLUGINS, tk.config["ckan.redis.url"])
    servers.ckan_command(ini, "db", "clean", "--yes")
    servers.ckan_command(ini, "db", "upgrade")
    servers.ckan_command(ini, "user", "add", "plain-admin", "email=admin@plain.test", "password=plain-admin-pass")
    servers.ckan_command(ini, "sysadmin", "add", "plain-admin")
    token = _token(ini, "plain-admin")
    with servers.serve(ini, port, "sync-plain.log") as url:
        catalog = National(url, token, token, ini)
        catalog.call("organization_create", token, name="area", title="area")
        yield catalog


@pytest.fixture
def plain_target(app, plain, monkeypatch) -> Agency:
    for key, value in {"ckanext.govcatalog.sync.targets": ["area"],
                       "ckanext.govcatalog.sync.target.area.url": plain.url,
                       "ckanext.govcatalog.sync.target.area.kind": "ckan",
                       "ckanext.govcatalog.sync.target.area.organization": "area",
                       "ckanext.govcatalog.sync.target.area.name_prefix": "plain"}.items():
        monkeypatch.setitem(tk.config, key, value)
    monkeypatch.setenv("GOVCATALOG_SYNC_TOKEN_AREA", plain.sync_token)
    from ckan.lib import jobs

    jobs.get_queue("govcatalog_sync").empty()  # this test runs the sync itself
    return Agency(app)


def extras(entry: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in entry.get("extras") or []}


def test_a_plain_ckan_gets_the_national_fields_as_extras(plain, plain_target):
    ds = plain_target.publish("area-ds")
    local = plain_target.ok("package_show", "sysadmin", id="area-ds")
    target = targets.get("area")
    assert target.fields == "extras" and targets.Target("x", "http://x", "gd_catalog", "o").fields == "schema"
    summary = service.run([ds["id"]], [target])
    assert summary.counts == {"pushed": 1}, summary.failures

    remote = plain.call("package_show", None, id=target.remote_name(ds["id"]))
    kept = extras(remote)
    # what a plain CKAN would have dropped arrives, with the stored national values
    assert kept["data_classification"] == "เปิดเผย" and kept["data_category"] == local["data_category"]
    assert kept["allow_harvest"] == local["allow_harvest"]
    assert json.loads(kept["objective"]) == local["objective"]  # a multiple choice, as JSON
    assert kept["reference_url_catalog"].endswith("/dataset/area-ds")
    # Thai keywords its tag rule refuses travel as an extra; the tags it accepts stay tags
    assert json.loads(kept["keywords"]) == sorted(t["name"] for t in local["tags"])
    assert {t["name"] for t in remote["tags"]} < {t["name"] for t in local["tags"]}
    # CKAN's own fields stay its own; nothing local-only leaves
    assert remote["title"] == local["title"] and remote["maintainer_email"] == local["maintainer_email"]
    assert not {"title", "name", "owner_org", "workflow_state", "id"} & set(kept)
    assert [r["url"] for r in remote["resources"]] == [r["url"] for r in local["resources"]]

    # an edit travels as a changed extra; an unchanged dataset is not sent again
    plain_target.ok("package_patch", "editor", id="area-ds", data_source="กรมใหม่")
    plain_target.ok("govcatalog_workflow_approve", "admin", id="area-ds")
    assert service.run([ds["id"]], [target]).counts == {"pushed": 1}
    assert extras(plain.call("package_show", None, id=target.remote_name(ds["id"])))["data_source"] == "กรมใหม่"
    assert service.run([ds["id"]], [target]).counts == {"unchanged": 1}


def test_extra_values_are_text():
    assert service.extra_value(["ก", "b"]) == '["ก", "b"]'
    assert service.extra_value(True) == "True" and service.extra_value(3) == "3"
    assert service.extra_value("") is None and service.extra_value(None) is None and service.extra_value([]) is None
    payload = service.as_extras({"title": "t", "name": "n", "objective": ["x"], "allow_harvest": "True", "z": "",
                                 "tag_string": "จังหวัด, ประชากร, open-data"})
    assert payload == {"title": "t", "name": "n", "tag_string": "ประชากร, open-data", "extras": [
        {"key": "allow_harvest", "value": "True"}, {"key": "keywords", "value": '["จังหวัด", "ประชากร", "open-data"]'},
        {"key": "objective", "value": '["x"]'}]}
