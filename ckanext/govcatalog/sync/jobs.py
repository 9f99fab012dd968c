"""Background jobs of the sync room (queue ``govcatalog_sync``) and what enqueues them."""
from __future__ import annotations

import datetime
import logging
from typing import Any, Optional

import ckan.plugins.toolkit as tk

from . import registration, service
from . import targets as targets_

log = logging.getLogger(__name__)
QUEUE = "govcatalog_sync"
RECONCILE_JOB_ID = "govcatalog-sync-reconcile"
REFRESH_JOB_ID = "govcatalog-gdcatalog-refresh"


# --- jobs (module-level functions: the worker imports them by name) --------------------------

def sync_datasets_job(package_ids: list[str], target_names: Optional[list[str]] = None, force: bool = False,
                      manual: bool = False) -> str:
    """Push or withdraw these datasets on these targets (all by default); schedule the retries."""
    chosen = [targets_.get(name) for name in target_names] if target_names else targets_.all_targets()
    summary = service.run(package_ids, chosen, force=force, manual=manual)
    schedule_retries(summary.retries)
    return str(summary)


def retry_due_job() -> str:
    """The safety net: every pending or failed record whose retry time has come (lost workers,
    retries whose scheduled job was lost)."""
    chosen = targets_.all_targets()
    due = service.unsettled_package_ids(chosen, due_before=service.now())
    summary = service.run(due, chosen)
    schedule_retries(summary.retries)
    return str(summary)


def reconcile_job(dry_run: bool = False, reschedule: bool = True) -> str:
    """Compare every target with what it should hold and repair the drift; then the retry sweep
    and, when configured, the next reconcile."""
    from . import reconcile

    summary = reconcile.reconcile(dry_run=dry_run)
    if not dry_run:
        retry_due_job()
    interval = int(tk.config.get("ckanext.govcatalog.sync.reconcile_interval"))
    if reschedule and interval > 0:
        schedule(datetime.timedelta(seconds=interval), reconcile_job, job_id=RECONCILE_JOB_ID)
    return str(summary)


def refresh_registration_job(package_ids: Optional[list[str]] = None, reschedule: bool = False) -> str:
    """Ask GD Catalog for the registration state of these datasets (default: those due); with
    ``reschedule``, again every ``gdcatalog_refresh`` seconds (started by ``reconcile --schedule``)."""
    counts = registration.refresh(package_ids)
    interval = int(tk.config.get("ckanext.govcatalog.sync.gdcatalog_refresh"))
    if reschedule and interval > 0 and registration.harvester_url():
        schedule(datetime.timedelta(seconds=interval), refresh_registration_job, None, True, job_id=REFRESH_JOB_ID)
    return str(counts)


# --- enqueueing -----------------------------------------------------------------------------

def enqueue_sync(package_ids: list[str], why: str, target_names: Optional[list[str]] = None,
                 force: bool = False, manual: bool = False) -> None:
    """A job for these datasets. Never fails the action that triggered it: a lost job is caught
    by the retry sweep and the reconcile run."""
    if not package_ids or not targets_.names():
        return
    try:
        tk.enqueue_job(sync_datasets_job, [package_ids, target_names, force, manual],
                       title=f"govcatalog sync: {why}", queue=QUEUE)
    except Exception:  # noqa: BLE001 (Redis down: reconcile repairs it)
        log.exception("could not enqueue the sync of %s", package_ids)


def schedule(delay: datetime.timedelta, function: Any, *args: Any, job_id: Optional[str] = None) -> None:
    """A job to run later (the worker's scheduler runs it)."""
    from ckan.lib import jobs

    try:
        queue = jobs.get_queue(QUEUE)
        kwargs: dict[str, Any] = {"job_id": job_id} if job_id else {}
        queue.enqueue_in(delay, function, *args, **kwargs)
    except Exception:  # noqa: BLE001
        log.exception("could not schedule %s", getattr(function, "__name__", function))


def schedule_retries(retries: list[tuple[str, str, datetime.datetime]]) -> None:
    moment = service.now()
    for package_id, target, when in retries:
        schedule(max(datetime.timedelta(0), when - moment), sync_datasets_job, [package_id], [target])


# --- triggers -------------------------------------------------------------------------------

# Actions after which what a target should hold may have changed (approved revisions, withdrawals
# and level changes come through the workflow signal; these cover deletion, purge, direct edits).
WATCHED_ACTIONS = frozenset({
    "package_update", "package_patch", "package_revise", "package_delete", "dataset_purge",
    "package_owner_org_update", "resource_create", "resource_update", "resource_patch", "resource_delete",
    "bulk_update_delete", "bulk_update_private", "bulk_update_public",
})


def on_transition(sender: Any, **kwargs: Any) -> None:
    """The workflow moved a dataset (approval, approved revision, withdrawal...)."""
    if isinstance(sender, str):
        enqueue_sync([sender], f"workflow {kwargs.get('action')}")


def on_action(sender: Any, **kwargs: Any) -> None:
    """CKAN's action_succeeded signal: sender is the action name."""
    if sender not in WATCHED_ACTIONS:
        return
    ids = _package_ids(sender, kwargs.get("data_dict") or {}, kwargs.get("result"))
    if ids:
        enqueue_sync(ids, sender)


def _package_ids(action: str, data_dict: Any, result: Any) -> list[str]:
    import ckan.model as model

    if action.startswith("bulk_update_"):
        return [i for i in data_dict.get("datasets") or [] if isinstance(i, str)]
    if isinstance(result, dict) and isinstance(result.get("package"), dict):  # package_revise
        result = result["package"]
    if action.startswith("resource_"):
        reference = (result or {}).get("package_id") if isinstance(result, dict) else None
        reference = reference or data_dict.get("package_id")
        if reference is None and isinstance(data_dict.get("id"), str):
            resource = model.Resource.get(data_dict["id"])
            reference = resource.package_id if resource is not None else None
    else:
        reference = (result or {}).get("id") if isinstance(result, dict) else None
        reference = reference or data_dict.get("id")
    if not isinstance(reference, str):
        return []
    package = model.Package.get(reference)
    if package is not None:
        return [package.id]
    # purged: the records remember it by id and by name
    from .model import SyncRecord

    remembered = model.Session.query(SyncRecord.package_id).filter(
        (SyncRecord.package_id == reference) | (SyncRecord.package_name == reference)).distinct()
    return [i for (i,) in remembered]
