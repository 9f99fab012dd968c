"""``ckan govcatalog harvest-doctor``: what keeps ckanext-harvest from harvesting, and its upkeep.

- stuck jobs: Running longer than a threshold with no harvest object gathered, fetched or imported
  within it (``--fix`` aborts them, as the harvest page's Stop button does);
- dead consumers: no gather or fetch consumer process on this machine while jobs wait. Stock
  consumers exit on an idle Redis with CKAN 2.12's redis client (ckanext-harvest issue 581: redis-py 8
  gives every socket a 5 s timeout, and the consumers' BLPOP without a timeout then raises
  TimeoutError); ``ckan govcatalog harvest-consumer`` runs them with a blocking connection, and
  deploy/govcatalog-harvest-*.service restart them whatever ends them;
- old harvest objects: objects older than N days that are not the latest of their dataset (per
  source and remote id) are dropped with their extras and errors (``--fix``).
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa

import ckan.model as model

from ..clock import now

CONSUMERS = {"gather": ("gather-consumer", "harvest-consumer gather"),
             "fetch": ("fetch-consumer", "harvest-consumer fetch")}


def utcnow() -> datetime.datetime:
    """ckanext-harvest stores naive UTC times."""
    return now().replace(tzinfo=None)


@dataclass
class Report:
    stuck: list[dict[str, Any]] = field(default_factory=list)
    aborted: int = 0
    consumers: dict[str, int] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)  # queued jobs (gather) and objects (fetch)
    old_objects: int = 0
    dropped_objects: int = 0

    @property
    def dead_consumers(self) -> list[str]:
        return [kind for kind, count in self.consumers.items() if count == 0]

    def healthy(self) -> bool:
        return not self.stuck and not self.dead_consumers


def stuck_jobs(hours: float) -> list[dict[str, Any]]:
    """Running jobs that started more than ``hours`` ago and made no progress within them."""
    cutoff = utcnow() - datetime.timedelta(hours=hours)
    rows = model.Session.execute(sa.text(
        "SELECT j.id, j.source_id, j.gather_started, "
        " (SELECT MAX(GREATEST(o.gathered, o.fetch_finished, o.import_finished)) FROM harvest_object o "
        "  WHERE o.harvest_job_id = j.id) AS last_progress "
        "FROM harvest_job j WHERE j.status = 'Running' AND COALESCE(j.gather_started, j.created) < :cutoff"),
        {"cutoff": cutoff}).mappings().all()
    return [dict(r) for r in rows if r["last_progress"] is None or r["last_progress"] < cutoff]


def abort(job_ids: list[str]) -> int:
    import ckan.plugins.toolkit as tk

    for job_id in job_ids:
        tk.get_action("harvest_job_abort")({"ignore_auth": True, "user": _site_user()}, {"id": job_id})
    return len(job_ids)


def _site_user() -> str:
    import ckan.plugins.toolkit as tk

    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def _cmdlines() -> Iterator[str]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                yield (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue


def consumer_processes(ini: str | None = None) -> dict[str, int]:
    """How many gather and fetch consumers run on this machine (for this ini when given)."""
    counts = {kind: 0 for kind in CONSUMERS}
    for line in _cmdlines():
        if ini and ini not in line:
            continue
        for kind, markers in CONSUMERS.items():
            if "ckan" in line and any(marker in line for marker in markers):
                counts[kind] += 1
    return counts


def waiting() -> dict[str, int]:
    """Work the consumers have not taken: jobs waiting to be gathered, objects waiting to be fetched."""
    jobs = model.Session.execute(sa.text(
        "SELECT COUNT(*) FROM harvest_job j WHERE j.status = 'Running' AND j.gather_started IS NULL")).scalar()
    objects = model.Session.execute(sa.text(
        "SELECT COUNT(*) FROM harvest_object o JOIN harvest_job j ON j.id = o.harvest_job_id "
        "WHERE j.status = 'Running' AND o.state = 'WAITING'")).scalar()
    return {"gather": int(jobs or 0), "fetch": int(objects or 0)}


# Objects older than the cutoff that are neither current nor the latest of their (source, remote id).
_OLD = (
    "FROM harvest_object o WHERE o.gathered < :cutoff AND o.current IS NOT TRUE "
    "AND EXISTS (SELECT 1 FROM harvest_object n WHERE n.harvest_source_id IS NOT DISTINCT FROM o.harvest_source_id "
    " AND n.guid = o.guid AND (n.gathered > o.gathered OR (n.gathered = o.gathered AND n.id > o.id)))"
)


def old_objects(days: int) -> int:
    cutoff = utcnow() - datetime.timedelta(days=days)
    return int(model.Session.execute(sa.text(f"SELECT COUNT(*) {_OLD}"), {"cutoff": cutoff}).scalar() or 0)


def drop_old_objects(days: int) -> int:
    """Drop old objects (and their extras and errors); the caller commits."""
    cutoff = utcnow() - datetime.timedelta(days=days)
    ids = model.Session.execute(sa.text(f"SELECT o.id {_OLD}"), {"cutoff": cutoff}).scalars().all()
    if not ids:
        return 0
    for table in ("harvest_object_extra", "harvest_object_error"):
        model.Session.execute(sa.text(f"DELETE FROM {table} WHERE harvest_object_id = ANY(:ids)"), {"ids": ids})
    model.Session.execute(sa.text("DELETE FROM harvest_object WHERE id = ANY(:ids)"), {"ids": ids})
    return len(ids)


def examine(stuck_hours: float, keep_days: int, fix: bool, ini: str | None = None) -> Report:
    report = Report(stuck=stuck_jobs(stuck_hours), consumers=consumer_processes(ini), waiting=waiting(),
                    old_objects=old_objects(keep_days))
    if fix:
        report.aborted = abort([job["id"] for job in report.stuck])
        report.dropped_objects = drop_old_objects(keep_days)
        model.Session.commit()
    return report


def blocking_redis_consumers() -> None:
    """Give ckanext-harvest's queue a Redis connection that waits as long as a queue stays idle
    (socket_timeout None: redis-py 8 defaults to 5 s, which kills idle consumers: issue 581)."""
    from ckanext.harvest import queue

    stock = queue.get_connection_redis
    if getattr(stock, "govcatalog_blocking", False):
        return

    def blocking() -> Any:
        connection = stock()
        connection.connection_pool.connection_kwargs["socket_timeout"] = None
        return connection

    blocking.govcatalog_blocking = True  # type: ignore[attr-defined]
    queue.get_connection_redis = blocking
