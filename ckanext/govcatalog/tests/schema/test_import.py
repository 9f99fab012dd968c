"""`ckan govcatalog import` from a second real CKAN on 127.0.0.1 and from a JSON-lines dump."""
from __future__ import annotations

import json
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories

from ckanext.govcatalog.tests import servers
from ckanext.govcatalog.tests.schema.fuzzing import examples
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


# --- hostile dumps: every record accounted for once, nothing half-written, never a traceback ----

hostile_text = st.one_of(st.text(max_size=20), st.sampled_from(["\x00", "ชื่อ\ud800", "\u200b", "ก" * 3000, "😀"]))
junk = st.recursive(
    st.one_of(hostile_text, st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True),
              st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(hostile_text, inner, max_size=3)),
    max_leaves=5,
)
FIELDS = sorted(dataset_payload("x", "x"))
garbage_lines = st.sampled_from(["{not json", "[1, 2]", "5", "null", '"text"', "{}", '{"name": 5}'])


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.dictionaries(st.sampled_from(FIELDS + ["resources", "tags", "extras"]), junk,
                                        max_size=3), min_size=1, max_size=4),
       garbage=st.lists(garbage_lines, max_size=2))
def test_hostile_dumps_are_reported_record_by_record(cli, tmp_path, changes, garbage):
    org = model.Group.get("stats-office") or model.Group.get(factories.Organization(name="stats-office")["id"])
    lines = []
    for number, change in enumerate(changes):
        payload = dataset_payload(org.id, f"fuzzed-{number}") | change
        payload["name"] = f"fuzzed-{number}"
        lines.append(json.dumps(payload, ensure_ascii=True))  # \ud800 escaped as JSON allows
    lines += garbage
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(lines), encoding="utf-8")
    state = tmp_path / "state.json"
    state.unlink(missing_ok=True)
    result = run_import(cli, "--from-jsonl", str(dump), "--organization", "stats-office", "--report",
                        str(tmp_path / "report.json"), "--state", str(state))
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    created, failed = set(report["created"]) | set(report["updated"]), set(report["failed"])
    assert len(created) + len(failed) == len(lines)  # each record once, nothing silently dropped
    assert {name for name in local_names() if name.startswith("fuzzed-")} == {n for n in created}
    for name in failed & {f"fuzzed-{n}" for n in range(len(changes))}:
        assert model.Package.get(name) is None  # a refused record leaves nothing behind
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    for name in created:  # the next example starts from an empty catalog again
        tk.get_action("dataset_purge")({"user": site_user}, {"id": name})
