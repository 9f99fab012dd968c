"""A national catalog for sync tests: a second real CKAN on 127.0.0.1 (its own database, the
suite's schema, the GD Catalog harness plugin), behind a fault-injecting proxy; one per module."""
from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterator, Optional

import pytest

import ckan.plugins.toolkit as tk

from ckanext.govcatalog.sync import service
from ckanext.govcatalog.sync.client import Backoff
from ckanext.govcatalog.tests import servers
from ckanext.govcatalog.tests.sync.proxy import FaultProxy
from ckanext.govcatalog.tests.workflow.conftest import Agency

SYNC_PLUGINS = "govcatalog_search govcatalog scheming_datasets activity govcatalog_workflow govcatalog_sync"
TARGET_PLUGINS = "govcatalog_search govcatalog scheming_datasets govcatalog_test_gdcatalog"
OPEN_ORG, GDC_ORG = "national-open", "national-gdc"
_prefixes = itertools.count(1)


@dataclass
class National:
    url: str  # the target itself
    admin_token: str  # a sysadmin of the target (the tests' own hand edits)
    sync_token: str  # the sync's token: an editor of the target's two organizations
    ini: Any

    def call(self, action: str, token: Optional[str] = None, **data: Any) -> Any:
        request = urllib.request.Request(f"{self.url}/api/3/action/{action}", data=json.dumps(data).encode(),
                                         headers={"Content-Type": "application/json",
                                                  **({"Authorization": token} if token else {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())["result"]
        except urllib.error.HTTPError as error:
            if error.code == 404 or (error.code == 403 and token is None):
                return None  # not there, or not for the public
            raise AssertionError(f"{action}: {error.code} {error.read()[:500]!r}") from None

    def show(self, name: str) -> Optional[dict[str, Any]]:
        """As the target's sysadmin: deleted entries too."""
        return self.call("package_show", self.admin_token, id=name)

    def public(self, name: str) -> Optional[dict[str, Any]]:
        return self.call("package_show", None, id=name)

    def live_names(self, organization: str, prefix: str) -> list[str]:
        """Names of the live entries of an organization that start with prefix (duplicates kept)."""
        result = self.call("package_search", self.admin_token, fq=f"organization:{organization}", rows=1000,
                           include_private=True)
        return sorted(r["name"] for r in result["results"] if r["name"].startswith(prefix))


def _token(ini: Any, user: str) -> str:
    output = subprocess.run([servers.CKAN, "-c", str(ini), "user", "token", "add", user, "tests"], cwd=servers.ROOT,
                            check=True, capture_output=True, text=True).stdout
    return output.strip().splitlines()[-1].strip()


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Iterator[National]:
    port = servers.free_port()
    ini = servers.second_catalog_ini(tmp_path_factory.mktemp("national"), tk.config["sqlalchemy.url"], "target",
                                     port, TARGET_PLUGINS, tk.config["ckan.redis.url"])
    servers.ckan_command(ini, "db", "clean", "--yes")
    servers.ckan_command(ini, "db", "upgrade")
    servers.ckan_command(ini, "user", "add", "national-admin", "email=admin@national.test",
                         "password=national-admin-pass")
    servers.ckan_command(ini, "sysadmin", "add", "national-admin")
    admin_token = _token(ini, "national-admin")
    with servers.serve(ini, port, "sync-national.log") as url:
        national = National(url, admin_token, "", ini)
        national.call("user_create", admin_token, name="syncbot", email="bot@national.test",
                      password="syncbot-password-1")
        for org in (OPEN_ORG, GDC_ORG):
            national.call("organization_create", admin_token, name=org, title=org,
                          users=[{"name": "syncbot", "capacity": "editor"}])
        national.sync_token = national.call("api_token_create", admin_token, user="syncbot", name="sync")["token"]
        yield national


@pytest.fixture(scope="module")
def proxy(national) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(national.url)
    yield fault_proxy
    fault_proxy.close()


class Sleeps(list):
    """The sleeps a client asked for (recorded, not slept: tests stay fast and deterministic)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@dataclass
class SyncWorld:
    agency: Agency
    national: National
    proxy: FaultProxy
    prefix: str
    sleeps: Sleeps

    def remote_name(self, target: str, package_id: str) -> str:
        return f"{self.prefix}{target}-{package_id}"

    def drain(self) -> int:
        """Run the sync jobs waiting in the queue, in this process (what a worker does)."""
        from ckan.lib import jobs

        queue = jobs.get_queue("govcatalog_sync")
        done = 0
        for _ in range(100):
            job_ids = queue.job_ids
            if not job_ids:
                return done
            for job_id in job_ids:
                job = queue.fetch_job(job_id)
                queue.remove(job_id)
                if job is not None:
                    job.perform()
                    done += 1
        raise AssertionError("the sync queue never emptied")


@pytest.fixture
def sync_world(app, national, proxy, monkeypatch) -> SyncWorld:
    """Two targets on the national catalog, through the proxy: data.go.th and GD Catalog; a fresh
    name prefix per test, so that each test sees only its own remote entries."""
    from ckan.lib import jobs

    prefix = f"t{os.getpid()}x{next(_prefixes)}"
    settings = {
        "ckanext.govcatalog.sync.targets": ["datagoth", "gdc"],
        "ckanext.govcatalog.sync.target.datagoth.url": proxy.url,
        "ckanext.govcatalog.sync.target.datagoth.kind": "data_go_th",
        "ckanext.govcatalog.sync.target.datagoth.organization": OPEN_ORG,
        "ckanext.govcatalog.sync.target.datagoth.name_prefix": f"{prefix}datagoth",
        "ckanext.govcatalog.sync.target.gdc.url": proxy.url,
        "ckanext.govcatalog.sync.target.gdc.kind": "gd_catalog",
        "ckanext.govcatalog.sync.target.gdc.organization": GDC_ORG,
        "ckanext.govcatalog.sync.target.gdc.name_prefix": f"{prefix}gdc",
        "ckanext.govcatalog.sync.gdcatalog_url": proxy.url,
        "ckanext.govcatalog.sync.gdcatalog_portal_url": "https://gdcatalog.example.go.th",
    }
    for key, value in settings.items():
        monkeypatch.setitem(tk.config, key, value)
    monkeypatch.setenv("GOVCATALOG_SYNC_TOKEN_DATAGOTH", national.sync_token)
    monkeypatch.setenv("GOVCATALOG_SYNC_TOKEN_GDC", national.sync_token)
    sleeps = Sleeps()

    def deterministic() -> service.Settings:
        return service.Settings(timeout=5, tries=4, max_attempts=5, backoff=Backoff(base=2, cap=60,
                                rng=random.Random(7)), inline_wait_max=30, workers=4, sleep=sleeps)

    monkeypatch.setattr(service, "SETTINGS_FACTORY", deterministic)
    jobs.get_queue("govcatalog_sync").empty()
    proxy.reset()
    return SyncWorld(Agency(app), national, proxy, prefix, sleeps)
