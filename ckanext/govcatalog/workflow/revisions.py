"""Edits of a disclosed (published) dataset wait as one pending revision until an approver decides.

The public keeps the approved version. The revision is checked by the schema alone (running core
package_update would write files, queue jobs and send signals that no rollback undoes); files
uploaded with it are staged apart (staging.py); reads for an update return the revision to its
author, so successive edits add up; approval applies metadata, files and the audit entry together.
"""
from __future__ import annotations

import copy
import datetime
import json
import uuid
from typing import Any, Callable, Optional

from werkzeug.datastructures import FileStorage

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import plugins as lib_plugins

from ckanext.govcatalog import access, policy

from . import service, staging
from .model import WorkflowRecord

Update = Callable[[dict[str, Any], dict[str, Any]], Any]


def has_pending_revision(package: model.Package) -> bool:
    record = WorkflowRecord.get(package.id)
    return record is not None and record.pending_revision is not None and service.is_disclosed_state(record.state)


# --- staging an edit ---------------------------------------------------------------------------

def stage(update: Update, context: dict[str, Any], data_dict: dict[str, Any],
          package: model.Package) -> dict[str, Any]:
    """An edit to a disclosed dataset: check it with the schema, apply a stricter level at once,
    and keep the rest, files included, as the pending revision (returned to its author)."""
    tk.check_access("package_update", context, data_dict)
    actor = access.user_facts(access.user_from_context(context))
    record = service.record_for(package)
    if record.pending_revision is not None and record.pending_by != actor.id:
        raise service.WorkflowError(tk._("Another edit of this dataset is waiting for approval; "
                                         "it must be approved or rejected before a new one"))
    live = _show(package.id)
    edit, uploads = _take_uploads(dict(data_dict, resources=data_dict.get("resources", live["resources"])))
    candidate = _validated(context, edit, package)
    # publication belongs to the workflow: an edit cannot (un)publish through CKAN's own state
    candidate["state"] = live["state"]
    live = _tighten_now(update, context, package, actor, live, candidate)
    record = service.record_for(model.Package.get(package.id))
    dropped, added = _record(package, record, actor, candidate, live, uploads)
    try:
        model.repo.commit()
    except Exception:
        staging.discard(package.id, added)
        raise
    staging.discard(package.id, dropped)
    if record.pending_revision is None:
        return dict(live, workflow_pending_revision=False)
    return dict(record.pending_revision, workflow_state=record.state, workflow_pending_revision=True)


def stage_resource(context: dict[str, Any], data_dict: dict[str, Any], package: model.Package) -> dict[str, Any]:
    """resource_create on a disclosed dataset: the new resource joins the pending revision, and
    that staged resource is returned (core would return the last live resource)."""
    base = tk.get_action("package_show")(dict(context, for_update=True), {"id": package.id})
    tk.check_access("resource_create", context, data_dict)
    resource = dict(data_dict, url=data_dict.get("url") or "", id=data_dict.get("id") or str(uuid.uuid4()))
    edit = dict(base, resources=[*base.get("resources", []), resource])
    edit.pop("metadata_modified", None)
    try:
        revision = tk.get_action("package_update")(context, edit)
    except tk.ValidationError as error:
        errors = error.error_dict.get("resources")
        raise tk.ValidationError(errors[-1] if isinstance(errors, list) and errors else error.error_dict)
    return next((r for r in revision.get("resources", []) if r.get("id") == resource["id"]), resource)


def pending_view(pkg_dict: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """For the author of the pending revision, a read for an update is the revision, so that
    package_patch, resource_create... build on it instead of replacing it with the live version."""
    record = WorkflowRecord.get(str(pkg_dict.get("id")))
    user = access.user_from_context(context)
    if record is None or record.pending_revision is None or user is None or record.pending_by != user.id \
            or not service.is_disclosed_state(record.state):
        return pkg_dict
    return dict(copy.deepcopy(record.pending_revision), workflow_state=record.state, workflow_pending_revision=True)


def _show(package_id: str) -> dict[str, Any]:
    return tk.get_action("package_show")({"ignore_auth": True, "use_cache": False}, {"id": package_id})


def _take_uploads(edit: dict[str, Any]) -> tuple[dict[str, Any], dict[str, FileStorage]]:
    """The edit without its files (returned apart, by resource id), each resource described as
    core's uploader would describe it. New resources get their id now: staged files follow it."""
    uploads: dict[str, FileStorage] = {}
    resources = edit.get("resources")
    if isinstance(resources, list):
        edit = dict(edit, resources=[_without_upload(r, uploads) if isinstance(r, dict) else r for r in resources])
    return edit, uploads


def _without_upload(resource: dict[str, Any], uploads: dict[str, FileStorage]) -> dict[str, Any]:
    resource = dict(resource, id=resource.get("id") or str(uuid.uuid4()))
    upload = resource.pop("upload", None)
    if isinstance(upload, FileStorage) and upload.filename:
        uploads[resource["id"]] = upload
        described = staging.describe(upload)
        if resource.get("mimetype"):
            described.pop("mimetype")
        resource.update(described, last_modified=datetime.datetime.utcnow().isoformat())
    elif resource.get("clear_upload"):
        resource["url_type"] = ""  # as core does; the live file goes when the revision is applied
    return resource


def _validated(context: dict[str, Any], edit: dict[str, Any], package: model.Package) -> dict[str, Any]:
    """The edit, checked by the package plugin's update schema alone: nothing saved, no file written."""
    plugin = lib_plugins.lookup_package_plugin(package.type)
    schema = context.get("schema") or plugin.update_package_schema()
    data = dict(edit, id=package.id, type=package.type)
    # validators such as the name check compare with this dataset (core sets it the same way)
    _, errors = lib_plugins.plugin_validate(plugin, dict(context, package=package), copy.deepcopy(data), schema,
                                            "package_update")
    if errors:
        raise tk.ValidationError(errors)
    return json.loads(json.dumps(data, default=str))  # the revision is stored as JSON


def _tighten_now(update: Update, context: dict[str, Any], package: model.Package, actor: policy.UserFacts,
                 live: dict[str, Any], candidate: dict[str, Any]) -> dict[str, Any]:
    """A stricter classification, or consent withheld (allow_harvest "False"), protects at once
    (committed, with its event); returns the live dataset as it is now."""
    stricter = service.level_rank(candidate.get("data_classification")) > service.level_rank(
        live.get("data_classification"))
    withheld = policy.withdraws_consent(access.dataset_facts(live), access.dataset_facts(candidate))
    if not stricter and not withheld:
        return live
    record = service.record_for(package)
    tightened = dict(live)
    if stricter:
        tightened.update(data_classification=candidate.get("data_classification"),
                         data_category=candidate.get("data_category"))
        service.log_event(package, actor.id, "tighten_level", record.state, record.state,
                          f"{live.get('data_classification')} -> {candidate.get('data_classification')}")
    if withheld:
        tightened["allow_harvest"] = candidate.get("allow_harvest")
        service.log_event(package, actor.id, "withhold_consent", record.state, record.state,
                          f"allow_harvest {live.get('allow_harvest')} -> {candidate.get('allow_harvest')}")
    update(dict(context, **{service.APPLYING: True}), tightened)
    return _show(package.id)


def _record(package: model.Package, record: WorkflowRecord, actor: policy.UserFacts, candidate: dict[str, Any],
            live: dict[str, Any], uploads: dict[str, FileStorage]) -> tuple[list[staging.Staged], list[staging.Staged]]:
    """Keep the candidate as the pending revision (or drop the revision when the edit returns to
    the live version). Returns the staged files no longer needed and those staged now."""
    old = dict(record.pending_uploads or {})
    if service.digest(candidate) == service.digest(live) and not uploads:
        if record.pending_revision is not None:
            _clear_pending(record)
            service.log_event(package, actor.id, "cancel_revision", record.state, record.state)
        return list(old.values()), []
    new = {rid: staging.stage(package.id, upload) for rid, upload in uploads.items()}
    kept = {rid: f for rid, f in old.items() if rid not in new and _still_uses(candidate, rid, f)}
    record.pending_revision = candidate
    record.pending_by, record.pending_at = actor.id, service.now()
    record.pending_base = model.Package.get(package.id).metadata_modified.isoformat()
    record.pending_uploads = {**kept, **new} or None
    record.updated_at = service.now()
    service.add_author(package, actor.id)
    service.log_event(package, actor.id, "submit_revision", record.state, record.state, None,
                      service.digest(candidate))
    return [f for rid, f in old.items() if rid not in kept], list(new.values())


def _still_uses(revision: dict[str, Any], resource_id: str, staged: staging.Staged) -> bool:
    """The revision still has this resource with the staged file (not replaced by a link)."""
    resource = next((r for r in revision.get("resources", []) if r.get("id") == resource_id), None)
    return resource is not None and resource.get("url_type") == "upload" \
        and str(resource.get("url", "")).rsplit("/", 1)[-1] == staged["filename"]


def _clear_pending(record: WorkflowRecord) -> None:
    record.pending_revision = record.pending_by = record.pending_at = record.pending_base = None
    record.pending_uploads = None
    record.authors = []  # on a disclosed dataset, only a pending revision is unapproved content
    record.updated_at = service.now()


# --- deciding ----------------------------------------------------------------------------------

def decide(package: model.Package, action: str, actor: policy.UserFacts, reason: Optional[str]) -> str:
    """Approve (apply atomically, files included) or reject (discard, files included) the pending
    revision of a disclosed dataset."""
    service.require_reason(action == "reject", reason)
    override = service.check_four_eyes(package, actor, action)
    record = service.record_for(package)
    revision, staged, base = dict(record.pending_revision), dict(record.pending_uploads or {}), record.pending_base
    authors = service.content_authors(package) if action == "approve" else None
    _clear_pending(record)
    service.log_event(package, actor.id, f"{action}_revision", record.state, record.state, reason,
                      service.digest(revision), override, authors)
    if action == "reject":
        model.repo.commit()  # the staged files go only once the decision is saved
        staging.discard(package.id, staged.values())
        return record.state
    _check_version(package, base)
    apply_revision(package.id, revision, staged)
    return record.state


def _check_version(package: model.Package, base: Optional[str]) -> None:
    live_modified = package.metadata_modified.isoformat() if package.metadata_modified else None
    if base and live_modified != base:
        model.Session.rollback()
        raise service.WorkflowError(tk._("The dataset changed after this revision was made; "
                                         "ask the editor to submit the change again"))


def apply_revision(package_id: str, revision: dict[str, Any], staged: dict[str, staging.Staged]) -> None:
    """Write the approved revision: package_update validates it again, stores the staged files
    beside the live ones, reindexes and commits (with the record and audit changes already in the
    session); only then do the files replace the live ones. On any failure nothing changes."""
    revision = copy.deepcopy(revision)
    opened = _attach_staged(package_id, revision, staged)
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    try:
        with staging.approved_files():
            tk.get_action("package_update")({"ignore_auth": True, "user": site_user, service.APPLYING: True},
                                            revision)
            model.repo.commit()  # when package_update found nothing to save, the decision still is
    except Exception:
        model.Session.rollback()
        raise
    finally:
        for upload in opened:
            upload.close()
    staging.discard(package_id, staged.values())


def _attach_staged(package_id: str, revision: dict[str, Any], staged: dict[str, staging.Staged]) -> list[FileStorage]:
    opened = []
    for resource in revision.get("resources", []):
        if resource.get("id") in staged:
            resource["upload"] = staging.open_staged(package_id, staged[resource["id"]])
            opened.append(resource["upload"])
    return opened
