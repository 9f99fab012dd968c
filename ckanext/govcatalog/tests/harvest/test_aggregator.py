"""Our own harvester (``govcatalog_harvester``) on an aggregating catalog, with the real clients.

An aggregating catalog (a real CKAN on loopback running this suite's schema and the harvester) pulls
(``ckan harvester run-test``) from the test catalog served on loopback, through its change feed with a
harvest account's token (named by a token file), and from a plain CKAN on loopback (core schema,
national fields as extras) through package_search.

Checked: everything eligible arrives once with its Thai tags, name and national fields, nothing
restricted arrives, metadata-only entries stay metadata-only, the source is in reference_url_catalog;
after a withdrawal, a tightening to ลับ and to ลับที่สุด and a consent withdrawal the next run removes
what may no longer be there; an entry invalid for our schema is an error of that entry in the job
report; what the plain source deletes is deleted here.
"""
from __future__ import annotations

import json

import pytest

from ckanext.govcatalog.tests.harvest.conftest import CONFIDENTIAL, HARVEST_ACCOUNT
from ckanext.govcatalog.tests.harvest.test_clients import (
    ELIGIBLE, OUR_PLUGINS, PROFILES, RECEIVER, _catalog, change, seed)
from ckanext.govcatalog.tests.harvest.test_clients import our_catalog  # noqa: F401  (a fixture)
from ckanext.govcatalog.tests.schema.payloads import dataset_payload

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", OUR_PLUGINS),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", PROFILES),
    pytest.mark.ckan_config("ckanext.govcatalog.harvest_accounts", HARVEST_ACCOUNT),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]
NATIONAL = ("data_type", "data_category", "data_classification", "objective", "update_frequency_unit",
            "geo_coverage", "data_language", "license_id", "first_year_of_data", "official_statistics",
            "allow_harvest", "maintainer", "title", "notes")


@pytest.fixture(scope="module")
def aggregator(tmp_path_factory):
    yield from _catalog(tmp_path_factory, "aggregator", RECEIVER + " govcatalog_harvester")


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """A plain CKAN (core schema; the search backend stands in for Solr)."""
    yield from _catalog(tmp_path_factory, "plain", "govcatalog_search")


def _report(aggregator) -> list[dict]:
    jobs = aggregator.api("harvest_job_list")
    return aggregator.api("harvest_job_report", id=jobs[0]["id"])


def test_the_change_feed_brings_what_may_be_aggregated_and_takes_away_what_no_longer_may(
        agency, our_catalog, aggregator, tmp_path):  # noqa: F811  (the fixture imported above)
    seed(agency)
    token = tmp_path / "token"
    token.write_text(agency.users["harvester"]["token"])
    aggregator.source("ours-feed", our_catalog, "govcatalog", {"token_file": str(token)})
    aggregator.harvest("ours-feed")

    harvested = aggregator.datasets()
    assert set(harvested) == ELIGIBLE, _report(aggregator)
    for name, dataset in harvested.items():
        ours = agency.ok("package_show", "harvester", id=name)
        assert dataset["id"] == ours["id"]
        assert {t["name"] for t in dataset["tags"]} == {"ประชากร", "จังหวัด"}
        for field in NATIONAL:
            assert dataset.get(field) == ours.get(field), (name, field)
        assert dataset["reference_url_catalog"] == f"{our_catalog}/dataset/{name}"
        assert len(dataset["resources"]) == len(ours["resources"]), name
    assert harvested["shared-c"]["resources"] == [], "metadata only stays metadata only"
    assert harvested["open-a"]["resources"][0]["url"] == "http://127.0.0.1/data.csv"

    aggregator.harvest("ours-feed")  # nothing changed: nothing to do, nothing lost
    assert set(aggregator.datasets()) == ELIGIBLE

    change(agency)
    aggregator.harvest("ours-feed")
    left = aggregator.datasets()
    assert set(left) == {"open-a", "shared-c", "to-confidential"}, _report(aggregator)
    assert left["to-confidential"]["resources"] == [], "files gone with the tightening"
    assert left["to-confidential"]["data_classification"] == CONFIDENTIAL["data_classification"]
    report = json.dumps(_report(aggregator), ensure_ascii=False)
    assert "Invalid" not in report, report


def test_package_search_from_a_plain_ckan_validates_and_mirrors_deletions(plain, aggregator):
    national = dataset_payload(plain.org["id"], "plain-valid")
    lists = ("objective", "data_format", "data_language", "disaggregate")
    extras = [{"key": k, "value": json.dumps(v, ensure_ascii=False) if k in lists else v}
              for k, v in national.items() if k not in ("name", "owner_org", "title", "notes", "tag_string",
                                                         "maintainer", "maintainer_email", "resources",
                                                         "license_id")]
    core = {"owner_org": plain.org["id"], "title": national["title"], "notes": national["notes"],
            "maintainer": national["maintainer"], "maintainer_email": national["maintainer_email"],
            "license_id": national["license_id"], "tags": [{"name": "population"}],
            "resources": national["resources"]}
    plain.api("package_create", name="plain-valid", extras=extras, **core)
    plain.api("package_create", name="plain-invalid", extras=[{"key": "data_type", "value": "ข้อมูลสถิติ"}], **core)
    plain.api("package_create", name="plain-secret", extras=[
        {"key": k, "value": v} for k, v in (("data_classification", "ลับที่สุด"),
                                           ("data_category", "ข้อมูลความลับทางราชการ"))], **core)
    aggregator.source("plain-search", plain.url, "govcatalog", {"mode": "search"})
    aggregator.harvest("plain-search")

    harvested = {n: d for n, d in aggregator.datasets().items() if n.startswith("plain-")}
    assert set(harvested) == {"plain-valid"}, _report(aggregator)
    dataset = harvested["plain-valid"]
    assert dataset["data_classification"] == "เปิดเผย" and dataset["objective"] == ["พันธกิจหน่วยงาน"]
    assert dataset["reference_url_catalog"] == f"{plain.url}/dataset/plain-valid"
    report = json.dumps(_report(aggregator), ensure_ascii=False)
    assert "Invalid dataset plain-invalid" in report and "plain-secret" not in report, report

    plain.api("package_delete", id="plain-valid")
    aggregator.harvest("plain-search")
    assert not any(n.startswith("plain-") for n in aggregator.datasets())
