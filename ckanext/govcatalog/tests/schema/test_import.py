"""`ckan govcatalog import` from a second real CKAN on 127.0.0.1 and from a JSON-lines dump."""
from __future__ import annotations

import json
from typing import Iterator

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories

from ckanext.govcatalog.tests import servers
from ckanext.govcatalog.tests.schema.payloads import dataset_payload

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
PLUGINS = "govcatalog_search govcatalog scheming_datasets activity"


@pytest.fixture(scope="module")
def source_catalog(tmp_path_factory) -> Iterator[str]:
    """A second agency catalog, its own database, loaded with the Thai demo data, served on loopback."""
    port = servers.free_port()
    ini = servers.second_catalog_ini(tmp_path_factory.mktemp("source"), tk.config["sqlalchemy.url"],
                                     "source", port, PLUGINS, tk.config["ckan.redis.url"])
    servers.ckan_command(ini, "db", "clean", "--yes")
    servers.ckan_command(ini, "db", "upgrade")
    servers.ckan_command(ini, "govcatalog", "demo", "--quiet")
    with servers.serve(ini, port, "import-source.log") as url:
        yield url


def run_import(cli, *args):
    return cli.invoke(ckan_cli, ["govcatalog", "import", *args])


def local_names() -> set[str]:
    return {name for (name,) in model.Session.query(model.Package.name).filter_by(state="active")}


def test_import_from_another_catalog_api(cli, tmp_path, source_catalog):
    state, report = tmp_path / "state.json", tmp_path / "report.json"
    result = run_import(cli, "--from-api", source_catalog, "--state", str(state), "--report", str(report))
    assert result.exit_code == 0, result.output
    # the anonymous API of the source lists 58 of its 60 datasets (2 are top secret)
    assert len(local_names()) == 58
    imported = tk.get_action("package_show")({"ignore_auth": True}, {"id": "population-by-province-2566"})
    assert imported["data_type"] == "ข้อมูลสถิติ"
    assert imported["objective"] == ["เพื่อการให้บริการประชาชน", "พันธกิจหน่วยงาน"]
    assert imported["organization"]["name"] == "demo-civil-affairs-office"
    assert len(json.loads(report.read_text())["created"]) == 58

    again = run_import(cli, "--from-api", source_catalog, "--state", str(state))
    assert again.exit_code == 0 and "already done 58" in again.output
    assert len(local_names()) == 58


def test_bad_records_are_reported_and_skipped(cli, tmp_path):
    org = factories.Organization(name="stats-office")
    lines = [
        json.dumps(dataset_payload(org["id"], "good-one"), ensure_ascii=False),
        json.dumps(dataset_payload(org["id"], "bad-level", data_category="ข้อมูลสาธารณะ",
                                   data_classification="ลับ"), ensure_ascii=False),
        "{not json",
        json.dumps(dataset_payload(org["id"], "good-two"), ensure_ascii=False),
    ]
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(lines), encoding="utf-8")
    result = run_import(cli, "--from-jsonl", str(dump), "--organization", "stats-office",
                        "--state", str(tmp_path / "state.json"))
    assert result.exit_code == 1
    assert "created 2" in result.output and "failed 2" in result.output
    assert "bad-level" in result.output and "data_classification" in result.output
    assert "line 3" in result.output
    assert local_names() == {"good-one", "good-two"}


def test_an_unreachable_source_is_a_clear_error(cli, tmp_path):
    result = run_import(cli, "--from-api", f"http://127.0.0.1:{servers.free_port()}",
                        "--state", str(tmp_path / "s.json"))
    assert result.exit_code != 0 and "Cannot read" in result.output
    assert local_names() == set()
