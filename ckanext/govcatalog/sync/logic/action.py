"""Actions of the sync room (``govcatalog_sync_*``, ``govcatalog_gdcatalog_*``). None of them
returns a token: targets are described by name, kind, URL and whether a token is configured."""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.logic import auth_audit_exempt
from ckan.types import Context, DataDict

from ckanext.govcatalog import access, policy
from ckanext.govcatalog.sync import jobs, registration
from ckanext.govcatalog.sync import targets as targets_
from ckanext.govcatalog.sync.logic import schema
from ckanext.govcatalog.sync.model import STATES, RegistrationState, SyncRecord, now

__all__ = [
    "govcatalog_sync_status", "govcatalog_sync_push", "govcatalog_sync_withdraw", "govcatalog_sync_retry",
    "govcatalog_sync_reconcile", "govcatalog_gdcatalog_refresh", "govcatalog_gdcatalog_state_show",
    "package_delete",
]


def _validated(data_dict: DataDict, input_schema: dict[str, Any], context: Context) -> dict[str, Any]:
    data, errors = tk.navl_validate(data_dict or {}, input_schema, context)
    if errors:
        raise tk.ValidationError(errors)
    return data


def _describe(target: targets_.Target) -> dict[str, Any]:
    try:
        has_token = bool(target.token())
    except targets_.TargetError:
        has_token = False
    return {"name": target.name, "kind": target.kind, "url": target.url, "organization": target.organization,
            "levels": sorted(target.levels) if target.levels is not None else None, "token_configured": has_token}


@tk.side_effect_free
def govcatalog_sync_status(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """What each push target holds: per target the counts by state, and the records (filtered by
    target, state, GD Catalog registration state or a dataset name), newest change first. Catalog
    managers only.

    :param target: only this target
    :param state: only records in this state (pending, synced, failed, withdrawn)
    :param registration: only datasets with this GD Catalog registration state
    :param q: only datasets whose name contains this text
    :param limit: records per page (default 50)
    :param offset: records to skip
    :returns: ``{"targets": [...], "count": n, "records": [...], "registration_counts": {...}}``
    """
    tk.check_access("govcatalog_sync_status", context, data_dict)
    data = _validated(data_dict, schema.status_schema(), context)
    counts = dict(((t, s), n) for t, s, n in model.Session.query(
        SyncRecord.target, SyncRecord.state, sa.func.count()).group_by(SyncRecord.target, SyncRecord.state))
    described = []
    for name in targets_.names():
        try:
            entry = _describe(targets_.load(name))
        except targets_.TargetError as error:
            entry = {"name": name, "error": "; ".join(error.error_dict.get("target", []))}
        entry["counts"] = {state: counts.get((name, state), 0) for state in STATES}
        described.append(entry)
    query = model.Session.query(SyncRecord, RegistrationState).outerjoin(
        RegistrationState, RegistrationState.package_id == SyncRecord.package_id)
    if data.get("target"):
        query = query.filter(SyncRecord.target == data["target"])
    if data.get("state"):
        query = query.filter(SyncRecord.state == data["state"])
    if data.get("registration"):
        query = query.filter(RegistrationState.state == data["registration"])
    if data.get("q"):
        query = query.filter(SyncRecord.package_name.ilike("%" + data["q"].replace("%", r"\%") + "%"))
    total = query.count()
    rows = query.order_by(SyncRecord.updated_at.desc(), SyncRecord.package_id).offset(data.get("offset", 0)) \
        .limit(data.get("limit", 50)).all()
    registration_counts = dict(model.Session.query(RegistrationState.state, sa.func.count())
                               .group_by(RegistrationState.state).all())
    return {
        "targets": described,
        "count": total,
        "records": [dict(record.as_dict(), registration=state.state if state else None,
                         registration_label=registration.label(state)) for record, state in rows],
        "registration_counts": registration_counts,
    }


def _selection(context: Context, data_dict: DataDict, action: str) -> tuple[list[str], Optional[list[str]]]:
    tk.check_access(action, context, data_dict)
    data = _validated(data_dict, schema.selection_schema(), context)
    ids = []
    for reference in data["ids"]:
        package = model.Package.get(reference)
        if package is not None:
            ids.append(package.id)
            continue
        record = model.Session.query(SyncRecord.package_id).filter(sa.or_(
            SyncRecord.package_id == reference, SyncRecord.package_name == reference)).first()
        if record is None:
            raise tk.ValidationError({"ids": [tk._("Dataset not found: %(id)s") % {"id": reference}]})
        ids.append(record[0])
    return list(dict.fromkeys(ids)), [data["target"]] if data.get("target") else None


def govcatalog_sync_push(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Push these datasets to the targets (all, or the one named) now, in a background job, even
    if a catalog manager withdrew them by hand before. What the policy does not allow is still
    not pushed (it is withdrawn instead).

    :param ids: dataset ids or names
    :param target: only this target
    :returns: ``{"queued": n}``
    """
    ids, chosen = _selection(context, data_dict, "govcatalog_sync_push")
    jobs.enqueue_sync(ids, "pushed by a catalog manager", chosen, force=True, manual=True)
    return {"queued": len(ids)}


def govcatalog_sync_withdraw(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Withdraw these datasets from the targets (all, or the one named), in a background job, and
    hold them back until a catalog manager pushes them again.

    :param ids: dataset ids or names
    :param target: only this target
    :returns: ``{"queued": n}``
    """
    ids, chosen = _selection(context, data_dict, "govcatalog_sync_withdraw")
    names = chosen or targets_.names()
    moment = now()
    for package_id in ids:
        package = model.Package.get(package_id)
        for name in names:
            record = SyncRecord.get(package_id, name)
            if record is None:
                record = SyncRecord(package_id=package_id, target=name, state="withdrawn", operation="withdraw",
                                    attempts=0, remote_name=targets_.load(name).remote_name(package_id),
                                    package_name=package.name if package else None, created_at=moment)
                model.Session.add(record)
            record.held, record.updated_at = True, moment
    model.repo.commit()
    jobs.enqueue_sync(ids, "withdrawn by a catalog manager", chosen, force=True)
    return {"queued": len(ids)}


def govcatalog_sync_retry(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Try these datasets again now (their attempts start over).

    :param ids: dataset ids or names
    :param target: only this target
    :returns: ``{"queued": n}``
    """
    ids, chosen = _selection(context, data_dict, "govcatalog_sync_retry")
    query = model.Session.query(SyncRecord).filter(SyncRecord.package_id.in_(ids))
    if chosen:
        query = query.filter(SyncRecord.target.in_(chosen))
    for record in query:
        record.attempts, record.next_retry_at = 0, None
    model.repo.commit()
    jobs.enqueue_sync(ids, "retried by a catalog manager", chosen)
    return {"queued": len(ids)}


def govcatalog_sync_reconcile(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Compare every target with what it should hold and repair the drift, in a background job.

    :param dry_run: only report what would change (see the job's result)
    :returns: ``{"job": job id}``
    """
    tk.check_access("govcatalog_sync_reconcile", context, data_dict)
    data = _validated(data_dict, schema.reconcile_schema(), context)
    job = tk.enqueue_job(jobs.reconcile_job, [bool(data.get("dry_run")), False], title="govcatalog reconcile",
                         queue=jobs.QUEUE)
    return {"job": job.id}


def govcatalog_gdcatalog_refresh(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Ask GD Catalog again about every dataset whose answer is due, in a background job.

    :returns: ``{"job": job id}``
    """
    tk.check_access("govcatalog_gdcatalog_refresh", context, data_dict)
    job = tk.enqueue_job(jobs.refresh_registration_job, [None], title="GD Catalog registration states",
                         queue=jobs.QUEUE)
    return {"job": job.id}


@tk.side_effect_free
def govcatalog_gdcatalog_state_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """GD Catalog's registration state of a dataset, as last asked by the background job (never
    asked while you wait): ``UNKNOWN`` when GD Catalog could not be reached.

    :param id: the id or name of the dataset
    :returns: ``{"state", "label", "last_known", "checked_at", "link"}``
    """
    data = _validated(data_dict, schema.id_schema(), context)
    package = model.Package.get(data["id"])
    if package is None or package.state == "deleted":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    tk.check_access("govcatalog_gdcatalog_state_show", context, {"id": package.id})
    state = RegistrationState.get(package.id)
    return {
        "state": state.state if state else None,
        "label": registration.label(state, package),
        "last_known": state.last_known if state else None,
        "checked_at": state.checked_at.isoformat() if state else None,
        "link": registration.portal_link(state),
    }


@tk.chained_action
@auth_audit_exempt  # each path checks its auth: core's delete, the withdrawal request, or package_delete's
def package_delete(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """A dataset GD Catalog has registered is not deleted here by anyone but a sysadmin: deleting a
    published one becomes a withdrawal request (the sync withdraws it once approvers decide), and
    one that is no longer published waits until GD Catalog has revoked it."""
    reference = (data_dict or {}).get("id")
    package = model.Package.get(reference) if isinstance(reference, str) else None
    state = RegistrationState.get(package.id) if package is not None else None
    if package is None or state is None or not state.registered or context.get("ignore_auth"):
        return up_func(context, data_dict)
    user = access.user_facts(access.user_from_context(context))
    if user.sysadmin:
        return up_func(context, data_dict)
    workflow_state = access.dataset_facts(package).workflow_state
    if workflow_state == policy.PUBLISHED:
        tk.get_action("govcatalog_workflow_request_withdrawal")(
            {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")},
            {"id": package.id, "reason": tk._("Deletion requested; GD Catalog has registered this dataset")})
        _notice(tk._("GD Catalog has registered this dataset: instead of deleting it, its withdrawal "
                     "was requested from the approvers"))
        return {"id": package.id, "withdrawal_requested": True}
    if workflow_state in policy.DISCLOSED_STATES:
        tk.check_access("govcatalog_workflow_request_withdrawal", context, {"id": package.id})
        _notice(tk._("GD Catalog has registered this dataset: it is not deleted; its withdrawal has already "
                     "been requested from the approvers"))
        return {"id": package.id, "withdrawal_requested": True}
    tk.check_access("package_delete", context, {"id": package.id})
    raise tk.ValidationError({"id": [tk._("GD Catalog still has this dataset registered; it can be deleted "
                                          "once GD Catalog has revoked it")]})


def _notice(message: str) -> None:
    import flask

    if flask.has_request_context():
        tk.h.flash_notice(message)
