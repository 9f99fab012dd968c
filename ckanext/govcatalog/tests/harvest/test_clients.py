"""The stock harvesters, as a national harvester runs them, against this catalog on 127.0.0.1.

Two national catalogs (each a real CKAN on loopback with its own database, running this suite's
schema) harvest the test catalog: one with ckanext-harvest's ``ckan`` harvester through a harvest
account, one with ckanext-dcat's ``dcat_rdf`` harvester on /catalog.ttl (profiles euro_dcat_ap_3
govcatalog_dcat). ``ckan harvester run-test`` runs gather, fetch and import in-process.

Checked: everything eligible arrives once, nothing restricted arrives (no top secret, nothing
unpublished or withheld, no files of restricted entries), the national fields survive DCAT, and
after a withdrawal, a tightening to ลับ and to ลับที่สุด and a consent withdrawal the next DCAT
run removes what may no longer be there. Stock ckanext-harvest never deletes: the test shows what it
keeps, and that the change feed tells the same harvest account what to remove.
"""
from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

import ckan.plugins.toolkit as tk

from ckanext.govcatalog.tests import servers
from ckanext.govcatalog.tests.harvest.conftest import CONFIDENTIAL, HARVEST_ACCOUNT, INTERNAL, TOP_SECRET
from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS

OUR_PLUGINS = WORKFLOW_PLUGINS + " dcat structured_data"
PROFILES = "euro_dcat_ap_3 govcatalog_dcat"
pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", OUR_PLUGINS),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", PROFILES),
    pytest.mark.ckan_config("ckanext.govcatalog.harvest_accounts", HARVEST_ACCOUNT),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]
RECEIVER = "govcatalog_search govcatalog scheming_datasets harvest"
ELIGIBLE = {"open-a", "open-b", "shared-c", "to-confidential", "to-top-secret", "consent-withdrawn"}


def _ini(directory: Path, suffix: str, port: int, plugins: str, extra: dict[str, str]) -> Path:
    ini = servers.second_catalog_ini(directory, tk.config["sqlalchemy.url"], suffix, port, plugins,
                                     tk.config["ckan.redis.url"])
    redis_db = servers.next_redis_db(tk.config["ckan.redis.url"]).rsplit("/", 1)[-1]
    settings = {"ckan.harvest.mq.type": "redis", "ckan.harvest.mq.hostname": "127.0.0.1",
                "ckan.harvest.mq.redis_db": redis_db, "ckanext.dcat.rdf.profiles": PROFILES, **extra}
    ini.write_text(ini.read_text() + "".join(f"{k} = {v}\n" for k, v in settings.items()))
    return ini


def _run(ini: Path, *args: str, stdin: str = "") -> str:
    done = subprocess.run([servers.CKAN, "-c", str(ini), *args], cwd=servers.ROOT, capture_output=True, text=True,
                          input=stdin, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


class Catalog:
    """A national catalog on loopback: its own database, a sysadmin, an organization."""

    def __init__(self, ini: Path, url: str) -> None:
        self.ini, self.url = ini, url
        _run(ini, "user", "add", "nationaladmin", "email=admin@national.example", "password=Passw0rd-national")
        _run(ini, "sysadmin", "add", "nationaladmin")
        self.token = _run(ini, "user", "token", "add", "nationaladmin", "tests").strip().splitlines()[-1].strip()
        self.org = self.api("organization_create", name="national", title="บัญชีข้อมูลแห่งชาติ")

    def api(self, action: str, **data: Any) -> Any:
        request = urllib.request.Request(f"{self.url}/api/3/action/{action}", data=json.dumps(data).encode(),
                                         headers={"Content-Type": "application/json", "Authorization": self.token})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)["result"]
        except urllib.error.HTTPError as error:  # say why
            raise AssertionError(f"{action}: {error.code} {error.read()[:2000].decode(errors='replace')}") from None

    def source(self, name: str, url: str, source_type: str, config: dict[str, Any]) -> None:
        self.api("harvest_source_create", name=name, url=url, source_type=source_type, title=name,
                 owner_org=self.org["id"], frequency="MANUAL", config=json.dumps(config))

    def harvest(self, source: str) -> None:
        self.last_run = _run(self.ini, "harvester", "run-test", source)

    def report(self) -> str:
        """The last job's errors, as the harvest job report shows them."""
        jobs = self.api("harvest_job_list")
        return json.dumps([self.api("harvest_job_report", id=job["id"]) for job in jobs[:1]], ensure_ascii=False)[:4000]

    def datasets(self) -> dict[str, dict[str, Any]]:
        found = self.api("package_search", fq="+dataset_type:dataset", rows=1000, include_private=True)
        return {d["name"]: d for d in found["results"]}


def _catalog(tmp_path_factory: Any, suffix: str, plugins: str, extra: Optional[dict[str, str]] = None
             ) -> Iterator[Catalog]:
    port = servers.free_port()
    ini = _ini(tmp_path_factory.mktemp(suffix), suffix, port, plugins, extra or {})
    servers.ckan_command(ini, "db", "clean", "--yes")
    servers.ckan_command(ini, "db", "upgrade")
    with servers.serve(ini, port, f"{suffix}.log") as url:
        yield Catalog(ini, url)


@pytest.fixture(scope="module")
def ckan_receiver(tmp_path_factory):
    yield from _catalog(tmp_path_factory, "harvester", RECEIVER + " ckan_harvester")


@pytest.fixture(scope="module")
def dcat_receiver(tmp_path_factory):
    yield from _catalog(tmp_path_factory, "harvester_dcat", RECEIVER + " dcat dcat_rdf_harvester")


@pytest.fixture
def our_catalog(tmp_path, agency):
    """This (test) catalog, served on loopback with the deployed harvest surfaces."""
    port = servers.free_port()
    ini = tmp_path / "ours.ini"
    ini.write_text(f"[app:main]\nuse = config:{servers.test_ini()}\nckan.site_url = http://127.0.0.1:{port}\n"
                   f"ckan.plugins = {OUR_PLUGINS}\nckanext.dcat.rdf.profiles = {PROFILES}\n"
                   f"ckanext.govcatalog.harvest_accounts = {HARVEST_ACCOUNT}\n")
    with servers.serve(ini, port, "harvest-ours.log") as url:
        yield url


def seed(agency) -> None:
    agency.publish("open-a")
    agency.publish("open-b")
    agency.publish("shared-c", **CONFIDENTIAL)
    agency.publish("to-confidential")
    agency.publish("to-top-secret")
    agency.publish("consent-withdrawn", **INTERNAL)
    agency.publish("withheld", **INTERNAL, allow_harvest="False")
    agency.publish("top-secret", **TOP_SECRET)
    agency.create("draft")


def change(agency) -> None:
    agency.ok("govcatalog_workflow_withdraw", "admin", id="open-b", reason="ข้อมูลไม่ถูกต้อง")
    agency.ok("package_patch", "editor", id="to-confidential", **CONFIDENTIAL)
    agency.ok("package_patch", "editor", id="to-top-secret", data_category="ข้อมูลความลับทางราชการ",
              data_classification="ลับที่สุด")
    agency.ok("package_patch", "editor", id="consent-withdrawn", allow_harvest="False")


def feed(agency, since: int = 0) -> list[tuple[str, str]]:
    page = agency.ok("govcatalog_changes", "harvester", since=since, limit=1000)
    return [(c["id"], c["change"]) for c in page["changes"]]


def test_stock_harvesters_get_what_the_policy_allows_and_lose_what_it_no_longer_does(
        agency, our_catalog, ckan_receiver, dcat_receiver):
    seed(agency)
    ids = {name: agency.ok("package_show", "sysadmin", id=name)["id"] for name in ELIGIBLE}
    ckan_receiver.source("ours-ckan", our_catalog, "ckan", {"api_key": agency.users["harvester"]["token"]})
    dcat_receiver.source("ours-dcat", f"{our_catalog}/catalog.ttl", "dcat_rdf", {"rdf_format": "text/turtle"})
    ckan_receiver.harvest("ours-ckan")
    dcat_receiver.harvest("ours-dcat")

    for receiver in (ckan_receiver, dcat_receiver):
        harvested = receiver.datasets()
        assert set(harvested) == ELIGIBLE, receiver.report()  # once each: names are unique
        assert harvested["shared-c"]["resources"] == [] and harvested["to-confidential"]["resources"] != []
        assert all(d["tags"] and {"ประชากร", "จังหวัด"} <= {t["name"] for t in d["tags"]} for d in harvested.values())
    # the national fields survive DCAT (and the CKAN API) intact
    for name, dataset in dcat_receiver.datasets().items():
        ours = agency.ok("package_show", None, id=name)
        for field in ("data_type", "data_category", "data_classification", "objective", "update_frequency_unit",
                      "geo_coverage", "data_language", "license_id", "first_year_of_data", "official_statistics"):
            assert dataset.get(field) == ours.get(field), (name, field)

    start = agency.ok("govcatalog_changes", "harvester", since=0, limit=1000)["next_since"]
    change(agency)
    ckan_receiver.harvest("ours-ckan")
    dcat_receiver.harvest("ours-dcat")

    assert set(dcat_receiver.datasets()) == {"open-a", "shared-c", "to-confidential"}
    assert dcat_receiver.datasets()["to-confidential"]["resources"] == [], "files gone with the tightening"
    # Stock ckanext-harvest never deletes: the withdrawn, top-secret and unconsented copies stay there
    # (it only updates what search still returns); the change feed tells the harvester what to remove.
    kept = ckan_receiver.datasets()
    assert set(kept) == ELIGIBLE
    assert kept["to-confidential"]["resources"] == [], "an update it did see: files gone"
    assert sorted(feed(agency, start)) == sorted([
        (ids["open-b"], "withdrawn"), (ids["to-confidential"], "updated"), (ids["to-top-secret"], "withdrawn"),
        (ids["consent-withdrawn"], "withdrawn")])
