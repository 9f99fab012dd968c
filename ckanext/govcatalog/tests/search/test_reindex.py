"""``ckan govcatalog reindex``: worker processes write the index rows ``ckan search-index rebuild`` writes."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories, helpers

from ckanext.govcatalog.search import backend, reindex

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "govcatalog_search govcatalog activity"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]

# Every stored column but the time of indexing, as text (jsonb and tsvector compare by value).
ROWS_SQL = sa.text(f"""
    SELECT id, site_id, name, title_folded, doc::text, terms::text, field_lexemes::text, tsv::text, word_text,
           permission_labels, state, capacity, dataset_type, metadata_modified, data_dict, validated_data_dict
      FROM {backend.TABLE} ORDER BY id
""")
ORPHAN_ID = "00000000-0000-0000-0000-00000000dead"


def index_rows() -> list[tuple]:
    model.Session.remove()  # read what the other processes committed
    return [tuple(row) for row in model.Session.execute(ROWS_SQL)]


def open_extras(**values: str) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in {"data_classification": "เปิดเผย", **values}.items()]


@pytest.fixture
def catalog() -> dict[str, str]:
    """Public, private and deleted datasets, Thai and English, with resources, tags and a group."""
    sysadmin = factories.Sysadmin()
    org = factories.Organization(name="stats-office", title="สำนักงานสถิติ")
    group = factories.Group(name="economy")
    ids = {}
    for i in range(14):
        dataset = factories.Dataset(
            name=f"dataset-{i:02d}", owner_org=org["id"], private=i % 5 == 1,
            title=["จำนวนประชากรรายจังหวัด", "ผู้สูงอายุที่ได้รับเบี้ยยังชีพ", "Household debt by region"][i % 3] + f" {i}",
            notes=["เกษตรกรที่ลงทะเบียนเพาะปลูกอ้อย", "Home stay โฮมสเตย์ in Chiang Mai", ""][i % 3],
            tags=[{"name": ["ประชากร", "หนี้สิน", "census"][i % 3]}],
            resources=[{"url": f"http://127.0.0.1/{i}.csv", "format": "CSV", "name": f"ไฟล์ {i}"}],
            groups=[{"name": group["name"]}] if i % 4 == 0 else [],
            extras=open_extras(data_category="ข้อมูลสาธารณะ"),
        )
        ids[dataset["name"]] = dataset["id"]
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=ids["dataset-03"])
    return ids


def break_index(ids: dict[str, str]) -> None:
    """A stale index: a missing entry, an outdated one, and one of a dataset that no longer exists."""
    model.Session.execute(sa.text(f"DELETE FROM {backend.TABLE} WHERE id = :id"), {"id": ids["dataset-05"]})
    model.Session.execute(sa.text(f"UPDATE {backend.TABLE} SET title_folded = 'stale', doc = '{{}}' WHERE id = :id"),
                          {"id": ids["dataset-07"]})
    model.Session.execute(sa.text(
        f"INSERT INTO {backend.TABLE} (id, site_id, name, title_folded, doc, terms, field_lexemes, tsv, word_text, "
        "permission_labels, state, capacity, dataset_type) SELECT :orphan, site_id, 'gone', title_folded, "
        "jsonb_set(jsonb_set(doc, '{id}', to_jsonb(CAST(:orphan AS text))), '{name}', '\"gone\"'), "
        f"terms, field_lexemes, tsv, word_text, permission_labels, state, capacity, dataset_type FROM {backend.TABLE} "
        "WHERE id = :id"), {"orphan": ORPHAN_ID, "id": ids["dataset-00"]})
    model.Session.commit()


def test_parallel_reindex_writes_the_rows_of_a_serial_rebuild(cli, catalog):
    break_index(catalog)
    serial = cli.invoke(ckan_cli, ["search-index", "rebuild", "--quiet"])
    assert serial.exit_code == 0, serial.output
    expected = index_rows()
    names = {row[2]: row for row in expected}
    assert len(expected) == 13 and "dataset-03" not in names and "gone" not in names  # deleted, orphan
    assert names["dataset-01"][11] == "private" and names["dataset-00"][11] == "public"

    break_index(catalog)
    assert index_rows() != expected
    parallel = cli.invoke(ckan_cli, ["govcatalog", "reindex", "--workers", "2"])
    assert parallel.exit_code == 0, parallel.output
    assert "Indexed 13 of 13 datasets" in parallel.output and "with 2 workers" in parallel.output
    assert "removed 1 entries" in parallel.output
    assert index_rows() == expected


def test_one_worker_and_many_write_the_same_rows(catalog):
    one = reindex.reindex(1)
    rows_one = index_rows()
    model.Session.execute(sa.text(f"DELETE FROM {backend.TABLE}"))
    model.Session.commit()
    three = reindex.reindex(3)
    assert (one.datasets, one.workers, one.failed) == (13, 1, {})
    assert (three.datasets, three.workers, three.failed) == (13, 3, {})
    assert index_rows() == rows_one
    # and search reads them: a private dataset stays out of an anonymous search
    found = {r["name"] for r in helpers.call_action("package_search", context={"user": ""}, rows=50)["results"]}
    assert found == {f"dataset-{i:02d}" for i in range(14) if i != 3 and i % 5 != 1}


def test_a_dataset_that_cannot_be_indexed_is_reported_and_the_rest_are_indexed(catalog, monkeypatch):
    from ckan import logic

    index_update_package = logic.index_update_package

    def failing(context, package_id, defer_commit=False):
        if package_id == catalog["dataset-02"]:
            raise RuntimeError("broken dataset")
        return index_update_package(context, package_id, defer_commit)

    monkeypatch.setattr(logic, "index_update_package", failing)
    model.Session.execute(sa.text(f"DELETE FROM {backend.TABLE}"))
    model.Session.commit()
    summary = reindex.reindex(2)
    assert summary.datasets == 12 and list(summary.failed) == [catalog["dataset-02"]]
    assert "broken dataset" in summary.failed[catalog["dataset-02"]]
    assert len(index_rows()) == 12


@pytest.mark.parametrize("workers, message", [
    ("0", "give a number of processes from 1 to 64, not 0"),
    ("65", "give a number of processes from 1 to 64, not 65"),
    ("-2", "give a number of processes from 1 to 64, not -2"),
    ("many", "'many' is not a valid integer"),
])
def test_a_bad_number_of_workers_is_a_clear_error_and_changes_nothing(cli, catalog, workers, message):
    before = index_rows()
    result = cli.invoke(ckan_cli, ["govcatalog", "reindex", "--workers", workers])
    assert result.exit_code == 2
    assert "--workers" in result.output and message in result.output
    assert index_rows() == before


def test_the_engine_refuses_a_bad_number_of_workers():
    with pytest.raises(ValueError, match="between 1 and 64"):
        reindex.reindex(0, ids=[])


def test_a_worker_that_dies_fails_the_run_instead_of_hanging(catalog, monkeypatch):
    import os
    from concurrent.futures.process import BrokenProcessPool

    from ckan import logic

    index_update_package = logic.index_update_package

    def dying(context, package_id, defer_commit=False):
        if package_id == catalog["dataset-04"]:
            os._exit(9)  # as a worker killed by the kernel
        return index_update_package(context, package_id, defer_commit)

    monkeypatch.setattr(logic, "index_update_package", dying)
    with pytest.raises(BrokenProcessPool):
        reindex.reindex(2)
