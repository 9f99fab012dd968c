"""Sync against a second real CKAN on 127.0.0.1 (through a fault-injecting proxy): approved
datasets arrive once, what may no longer be there leaves, failures are retried, nothing is lost."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk

import ckan.model as model

from ckanext.govcatalog.sync import cli as sync_cli
from ckanext.govcatalog.sync import service, targets
from ckanext.govcatalog.sync.model import SyncRecord
from ckanext.govcatalog.tests.sync.conftest import GDC_ORG, OPEN_ORG, SYNC_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", SYNC_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


def record(package_id: str, target: str) -> SyncRecord:
    model.Session.expire_all()
    found = SyncRecord.get(package_id, target)
    assert found is not None, (package_id, target)
    return found


def test_approval_pushes_each_dataset_once_to_what_the_policy_allows(sync_world):
    world = sync_world
    open_ds = world.agency.publish("open-ds")
    secret_ds = world.agency.publish("secret-ds", data_category="ข้อมูลส่วนบุคคล", data_classification="ลับ")
    world.drain()

    pushed = world.national.public(world.remote_name("datagoth", open_ds["id"]))
    assert pushed is not None and pushed["title"] == open_ds["title"]
    assert pushed["organization"]["name"] == OPEN_ORG
    assert [r["url"] for r in pushed["resources"]] == ["http://127.0.0.1/data.csv"]
    assert "workflow_state" not in pushed and pushed["data_classification"] == "เปิดเผย"
    # data.go.th takes open data only; GD Catalog gets the secret one as metadata, without files
    assert world.national.show(world.remote_name("datagoth", secret_ds["id"])) is None
    gd_secret = world.national.public(world.remote_name("gdc", secret_ds["id"]))
    assert gd_secret["organization"]["name"] == GDC_ORG
    assert gd_secret["resources"] == [] and not gd_secret.get("url")
    assert len(world.national.public(world.remote_name("gdc", open_ds["id"]))["resources"]) == 1
    assert record(open_ds["id"], "datagoth").state == "synced"
    assert record(open_ds["id"], "datagoth").remote_id == pushed["id"]

    # nothing changed: nothing is sent again
    creates, updates = world.proxy.calls["package_create"], world.proxy.calls["package_update"]
    assert creates == 3
    summary = service.run([open_ds["id"], secret_ds["id"]])
    assert summary.counts == {"unchanged": 3, "not eligible": 1}
    assert (world.proxy.calls["package_create"], world.proxy.calls["package_update"]) == (creates, updates)


def test_withdrawal_deletion_and_purge_take_the_entries_away(sync_world):
    world = sync_world
    agency = world.agency
    datasets = {name: agency.publish(name) for name in ("to-withdraw", "to-delete", "to-purge")}
    world.drain()
    for ds in datasets.values():
        assert world.national.public(world.remote_name("datagoth", ds["id"])) is not None

    agency.ok("govcatalog_workflow_withdraw", "admin", id="to-withdraw", reason="outdated")
    agency.ok("package_delete", "admin", id="to-delete")
    agency.ok("dataset_purge", "sysadmin", id="to-purge")
    world.drain()
    for ds in datasets.values():
        for target in ("datagoth", "gdc"):
            assert world.national.public(world.remote_name(target, ds["id"])) is None
            assert world.national.show(world.remote_name(target, ds["id"]))["state"] == "deleted"
            assert record(ds["id"], target).state == "withdrawn"


def test_a_tightened_level_takes_the_files_and_data_go_th_entry_away_at_once(sync_world):
    world = sync_world
    ds = world.agency.publish("tighten")
    world.drain()
    assert world.national.public(world.remote_name("datagoth", ds["id"])) is not None
    edit = dict(world.agency.ok("package_show", "editor", id="tighten"), data_category="ข้อมูลส่วนบุคคล",
                data_classification="ลับ")
    world.agency.ok("package_update", "editor", **edit)
    world.drain()
    assert world.national.public(world.remote_name("datagoth", ds["id"])) is None
    gd = world.national.public(world.remote_name("gdc", ds["id"]))
    assert gd["data_classification"] == "ลับ" and gd["resources"] == []


def test_an_approved_revision_is_pushed(sync_world):
    world = sync_world
    ds = world.agency.publish("revised")
    world.drain()
    world.agency.ok("package_patch", "editor", id="revised", title="ชื่อใหม่")
    world.drain()
    assert world.national.public(world.remote_name("gdc", ds["id"]))["title"] == ds["title"]  # not yet approved
    world.agency.ok("govcatalog_workflow_approve", "admin", id="revised")
    world.drain()
    assert world.national.public(world.remote_name("gdc", ds["id"]))["title"] == "ชื่อใหม่"
    assert world.national.public(world.remote_name("datagoth", ds["id"]))["title"] == "ชื่อใหม่"


def test_faults_are_retried_with_backoff_and_retry_after(sync_world):
    world = sync_world
    ds = world.agency.publish("flaky")
    world.proxy.plan("package_create", "500", "429:7", "drop")
    world.proxy.plan("package_show", "slow:6")
    service.run([ds["id"]], [targets.get("datagoth")])
    assert world.national.live_names(OPEN_ORG, world.prefix) == [world.remote_name("datagoth", ds["id"])]
    # exponential backoff with jitter; the 429's Retry-After is honoured
    assert len(world.sleeps) >= 3 and 7 in world.sleeps
    assert record(ds["id"], "datagoth").state == "synced"


def test_a_create_whose_answer_is_lost_leaves_no_duplicate(sync_world):
    world = sync_world
    ds = world.agency.publish("lost-answer")
    world.proxy.plan("package_create", "drop_after", "drop_after")
    world.drain()
    for target, org in (("datagoth", OPEN_ORG), ("gdc", GDC_ORG)):
        assert world.national.live_names(org, world.prefix) == [world.remote_name(target, ds["id"])]
        assert record(ds["id"], target).state == "synced"


def test_a_failure_is_recorded_for_a_retry_without_the_token(sync_world, cli):
    world = sync_world
    ds = world.agency.publish("down")
    world.proxy.always["*"] = "echo_token_500"
    world.drain()
    failed = record(ds["id"], "datagoth")
    assert failed.state == "failed" and failed.attempts >= 1 and failed.next_retry_at is not None
    assert "HTTP 500" in failed.last_error
    assert world.national.sync_token not in failed.last_error and "[token]" in failed.last_error
    status = world.agency.ok("govcatalog_sync_status", "sysadmin", state="failed")
    assert status["count"] == 2 and world.national.sync_token not in str(status)
    result = cli.invoke(sync_cli.sync, [])
    assert result.exit_code == 1 and world.national.sync_token not in result.output
    assert "failed 2" in result.output

    world.proxy.always.clear()
    world.agency.ok("govcatalog_sync_retry", "sysadmin", ids=[ds["name"]])
    world.drain()
    assert record(ds["id"], "datagoth").state == "synced" and record(ds["id"], "datagoth").attempts == 0


def test_reconcile_repairs_hand_edits_and_deletions_on_the_target(sync_world, cli):
    world = sync_world
    kept, edited, deleted = (world.agency.publish(n) for n in ("kept", "edited", "deleted"))
    world.drain()
    admin = world.national.admin_token
    world.national.call("package_patch", admin, id=world.remote_name("gdc", edited["id"]), title="hand edit")
    world.national.call("package_delete", admin, id=world.remote_name("gdc", deleted["id"]))
    stray_id = "00000000-0000-4000-8000-000000000000"
    stray = world.national.call("package_create", admin, **dict(
        {k: v for k, v in world.agency.ok("package_show", "sysadmin", id="kept").items()
         if k in service._schema_fields("dataset")[0] and k not in ("name", "owner_org", "id")},
        name=world.remote_name("gdc", stray_id), owner_org=GDC_ORG,
        tag_string="stray"))
    assert stray is not None

    dry = cli.invoke(sync_cli.reconcile, ["--target", "gdc", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would push: edited on the target 1" in dry.output and "would withdraw: unknown here 1" in dry.output
    assert world.national.public(world.remote_name("gdc", deleted["id"])) is None

    result = cli.invoke(sync_cli.reconcile, ["--target", "gdc"])
    assert result.exit_code == 0, result.output
    assert world.national.public(world.remote_name("gdc", edited["id"]))["title"] == edited["title"]
    assert world.national.public(world.remote_name("gdc", deleted["id"])) is not None
    assert world.national.public(world.remote_name("gdc", stray_id)) is None
    assert world.national.live_names(GDC_ORG, world.prefix) == sorted(
        world.remote_name("gdc", d["id"]) for d in (kept, edited, deleted))
    # and then nothing is left to repair
    from ckanext.govcatalog.sync import reconcile
    again = reconcile.reconcile([targets.get("gdc")])
    assert set(again.counts) <= {"unchanged"}, again.counts


def test_the_govcatalog_group_gains_the_sync_commands_while_the_plugin_is_on():
    import click

    from ckanext.govcatalog.cli import govcatalog

    context = click.Context(govcatalog)
    assert {"sync", "reconcile", "demo", "import"} <= set(govcatalog.list_commands(context))
    assert govcatalog.get_command(context, "sync") is sync_cli.sync


def _subprocess_ini(tmp_path, world) -> str:
    """The test catalog's own config for a `ckan govcatalog sync` in another process."""
    from ckanext.govcatalog.tests import servers

    lines = [f"use = config:{servers.test_ini()}", f"ckan.plugins = {SYNC_PLUGINS}",
             "ckanext.govcatalog.sync.workers = 4"]
    for key in ("ckanext.govcatalog.sync.targets",) + tuple(
            f"ckanext.govcatalog.sync.target.{t}.{k}" for t in ("datagoth", "gdc")
            for k in ("url", "kind", "organization", "name_prefix")):
        value = tk.config[key]
        lines.append(f"{key} = {' '.join(value) if isinstance(value, list) else value}")
    ini = tmp_path / "sync-worker.ini"
    ini.write_text("[app:main]\n" + "\n".join(lines) + "\n")
    return str(ini)


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(sync_world, tmp_path):
    import os
    import signal
    import subprocess

    from ckan.lib import jobs

    from ckanext.govcatalog.tests import servers

    world = sync_world
    published = [world.agency.publish(f"batch-{i}")["id"] for i in range(24)]
    secret = [world.agency.publish(f"secret-{i}", data_category="ข้อมูลส่วนบุคคล", data_classification="ลับ")["id"]
              for i in range(3)]
    drafts = [world.agency.create(f"draft-{i}")["id"] for i in range(3)]
    jobs.get_queue("govcatalog_sync").empty()  # the worker below does the work instead
    world.proxy.plan("package_create", *([""] * 11), "hold")

    env = dict(os.environ, GOVCATALOG_SYNC_TOKEN_DATAGOTH=world.national.sync_token,
               GOVCATALOG_SYNC_TOKEN_GDC=world.national.sync_token)
    worker = subprocess.Popen([servers.CKAN, "-c", _subprocess_ini(tmp_path, world), "govcatalog", "sync", "--all"],
                              cwd=servers.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert world.proxy.held.wait(300), "the worker never reached the held create"
        worker.send_signal(signal.SIGKILL)  # killed between a remote create and its local record
        worker.wait(20)
    finally:
        if worker.poll() is None:
            worker.kill()
        world.proxy.release()
    output = worker.stdout.read().decode() if worker.stdout else ""
    assert world.national.sync_token not in output
    creates_before = world.proxy.calls["package_create"]
    assert 0 < creates_before < 2 * len(published) + len(secret)
    model.Session.expire_all()
    assert model.Session.query(SyncRecord).filter(SyncRecord.state == "pending").count() > 0

    summary = service.run(service.unsettled_package_ids(targets.all_targets()))
    assert not summary.failures, summary.failures
    open_names = sorted(world.remote_name("datagoth", i) for i in published)
    gdc_names = sorted(world.remote_name("gdc", i) for i in published + secret)
    assert world.national.live_names(OPEN_ORG, world.prefix) == open_names
    assert world.national.live_names(GDC_ORG, world.prefix) == gdc_names
    # each entry was created exactly once: a lost answer was found by name and updated, not recreated
    assert world.proxy.calls["package_create"] == len(open_names) + len(gdc_names)
    model.Session.expire_all()
    states = {(r.package_id, r.target): r.state for r in model.Session.query(SyncRecord)}
    assert set(states.values()) == {"synced"}
    assert not any(package_id in drafts for package_id, _ in states)
    assert all(world.national.show(world.remote_name(t, i)) is None for i in drafts for t in ("datagoth", "gdc"))


def test_concurrent_pushes_give_each_dataset_exactly_one_remote_entry(sync_world, tmp_path):
    """Two runs at once (a `ckan govcatalog sync --concurrency 8` process and one here, 8 calls at a
    time each) over the same datasets, through answers lost after the target acted, 500s and 429s:
    every dataset ends with one live entry per target, which its record names."""
    import os
    import subprocess
    import time

    from ckan.lib import jobs

    from ckanext.govcatalog.tests import servers

    world = sync_world
    ids = [world.agency.publish(f"many-{i}")["id"] for i in range(12)]
    jobs.get_queue("govcatalog_sync").empty()  # the two runs below do the work instead
    world.proxy.plan("package_create", "drop_after", "", "500", "drop_after", "429:1", "", "drop_after")
    world.proxy.plan("package_show", "", "drop", "", "500")
    env = dict(os.environ, GOVCATALOG_SYNC_TOKEN_DATAGOTH=world.national.sync_token,
               GOVCATALOG_SYNC_TOKEN_GDC=world.national.sync_token)
    other = subprocess.Popen([servers.CKAN, "-c", _subprocess_ini(tmp_path, world), "govcatalog", "sync", "--all",
                              "--concurrency", "8"], cwd=servers.ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    try:
        settings = service.SETTINGS_FACTORY()
        settings.workers = 8
        for _ in range(600):  # start here once the other run is talking to the target
            if sum(world.proxy.seen.values()) or other.poll() is not None:
                break
            time.sleep(0.1)
        here = service.run(ids, settings=settings)
        other.wait(180)
    finally:
        if other.poll() is None:
            other.kill()
    output = other.stdout.read().decode() if other.stdout else ""
    # the lost answers and the other run's creates were found by name and updated, not failed
    assert not here.failures and other.returncode == 0, (here.failures, output[-2000:])
    assert here.counts.get("pushed") and other.returncode == 0  # both runs pushed
    # the records are right: nothing is left to send
    assert service.run(ids, settings=settings).counts == {"unchanged": 2 * len(ids)}

    for target, org in (("datagoth", OPEN_ORG), ("gdc", GDC_ORG)):
        live = world.national.live_names(org, world.prefix)
        assert live == sorted(world.remote_name(target, i) for i in ids)  # no dataset lost, none twice
        for package_id in ids:
            kept = record(package_id, target)
            remote = world.national.show(world.remote_name(target, package_id))
            assert kept.state == "synced" and kept.remote_id == remote["id"] and remote["state"] == "active"
