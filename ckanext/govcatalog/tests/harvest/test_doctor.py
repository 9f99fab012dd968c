"""ckan govcatalog harvest-doctor: stuck jobs are found (and aborted with --fix), old harvest objects
are dropped except the latest of each dataset; the consumer check counts consumer processes."""
from __future__ import annotations

import datetime

import pytest

from ckan import model
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectExtra, HarvestSource

from ckanext.govcatalog.harvest import doctor

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "govcatalog_search govcatalog scheming_datasets harvest ckan_harvester"),
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


def ago(**delta: float) -> datetime.datetime:
    return doctor.utcnow() - datetime.timedelta(**delta)


def job(source: HarvestSource, status: str, started: datetime.datetime) -> HarvestJob:
    harvest_job = HarvestJob(source=source, status=status, gather_started=started, created=started)
    harvest_job.save()
    return harvest_job


def obj(harvest_job: HarvestJob, guid: str, gathered: datetime.datetime, current: bool = False) -> HarvestObject:
    harvest_object = HarvestObject(guid=guid, job=harvest_job, source=harvest_job.source, gathered=gathered,
                                   current=current, state="COMPLETE",
                                   extras=[HarvestObjectExtra(key="status", value="change")])
    harvest_object.save()
    return harvest_object


@pytest.fixture
def source():
    harvest_source = HarvestSource(url="http://127.0.0.1:9/", type="ckan")
    harvest_source.save()
    return harvest_source


def test_a_running_job_without_progress_is_stuck_and_fix_aborts_it(source, cli):
    from ckanext.govcatalog.cli import govcatalog

    stuck = job(source, "Running", ago(hours=8))
    obj(stuck, "a", ago(hours=7.5))
    busy = job(source, "Running", ago(hours=8))
    obj(busy, "b", ago(minutes=5))  # long, but still moving
    job(source, "Running", ago(hours=1))  # young
    job(source, "Finished", ago(days=3))
    assert [j["id"] for j in doctor.stuck_jobs(6)] == [stuck.id]

    result = cli.invoke(govcatalog, ["harvest-doctor", "--stuck-hours", "6"])
    assert result.exit_code == 1 and f"stuck job {stuck.id}" in result.output and busy.id not in result.output
    assert "1 stuck jobs (0 aborted)" in result.output
    result = cli.invoke(govcatalog, ["harvest-doctor", "--stuck-hours", "6", "--fix"])
    assert "1 stuck jobs (1 aborted)" in result.output, result.output
    model.Session.expire_all()
    assert HarvestJob.get(stuck.id).status == "Finished" and HarvestJob.get(busy.id).status == "Running"
    assert doctor.stuck_jobs(6) == []


def test_old_objects_go_but_the_latest_of_each_dataset_stays(source, cli):
    from ckanext.govcatalog.cli import govcatalog

    old_job = job(source, "Finished", ago(days=60))
    new_job = job(source, "Finished", ago(days=1))
    replaced = obj(old_job, "a", ago(days=60))
    latest_old = obj(old_job, "b", ago(days=60), current=True)  # never harvested again: still the latest
    obj(old_job, "c", ago(days=61))
    latest_c = obj(old_job, "c", ago(days=40))  # the latest of c, old as it is
    recent = obj(new_job, "a", ago(days=1), current=True)
    assert doctor.old_objects(30) == 2
    expected, replaced_id = {latest_old.id, latest_c.id, recent.id}, replaced.id

    result = cli.invoke(govcatalog, ["harvest-doctor", "--keep-days", "30", "--fix"])
    assert "2 old harvest objects (2 dropped)" in result.output, result.output
    model.Session.expire_all()
    kept = {o.id for o in model.Session.query(HarvestObject)}
    assert kept == expected and replaced_id not in kept
    assert model.Session.query(HarvestObjectExtra).count() == 3, "their extras went with them"


def test_consumer_processes_are_counted(monkeypatch):
    lines = ["/srv/.venv/bin/python /srv/.venv/bin/ckan -c /etc/ckan/ckan.ini harvester gather-consumer",
             "/srv/.venv/bin/python /srv/.venv/bin/ckan -c /etc/ckan/ckan.ini govcatalog harvest-consumer gather",
             "/usr/bin/vim fetch-consumer.txt"]
    monkeypatch.setattr(doctor, "_cmdlines", lambda: iter(lines))
    assert doctor.consumer_processes() == {"gather": 2, "fetch": 0}
