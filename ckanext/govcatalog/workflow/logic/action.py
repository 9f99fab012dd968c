"""Actions of the publish-approval workflow (``govcatalog_workflow_*``, ``govcatalog_approver_*``)."""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import logic
from ckan.lib.plugins import get_permission_labels
from ckan.types import Context, DataDict

from ckanext.govcatalog import access, changes, hiding
from ckanext.govcatalog.workflow import revisions, service
from ckanext.govcatalog.workflow.logic import schema
from ckanext.govcatalog.workflow.signals import transition_signal
from ckanext.govcatalog.workflow.model import Approver, WorkflowEvent, WorkflowRecord

__all__ = [
    "package_update", "package_show", "resource_create",
    "govcatalog_workflow_submit", "govcatalog_workflow_approve", "govcatalog_workflow_reject",
    "govcatalog_workflow_request_withdrawal", "govcatalog_workflow_withdraw", "govcatalog_workflow_history",
    "govcatalog_workflow_queue", "govcatalog_approver_create", "govcatalog_approver_delete",
    "govcatalog_approver_list",
]


def _validated(data_dict: DataDict, input_schema: dict[str, Any], context: Context) -> dict[str, Any]:
    data, errors = tk.navl_validate(data_dict, input_schema, context)
    if errors:
        raise tk.ValidationError(errors)
    return data


def _package_or_404(reference: str) -> model.Package:
    package = model.Package.get(reference)
    if package is None or package.state == "deleted":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return package


def _run(action: str, context: Context, data_dict: DataDict) -> dict[str, Any]:
    data = _validated(data_dict, schema.transition_schema(), context)
    package = _package_or_404(data["id"])
    tk.check_access(f"govcatalog_workflow_{action}", context, {"id": package.id})
    actor = access.user_facts(access.user_from_context(context))
    before = service.state_of(package)
    if action in ("approve", "reject") and revisions.has_pending_revision(package):
        after = revisions.decide(package, action, actor, data.get("reason"))
    else:
        after = service.transition(package, action, actor, data.get("reason"))
    if service.is_disclosed_state(before) != service.is_disclosed_state(after):
        changes.mark_modified(package)  # published or withdrawn
    logic.index_update_package({"ignore_auth": True}, package.id)
    _record_activity(package, actor.id, action, before, after, data.get("reason"))
    model.repo.commit()
    transition_signal.send(package.id, action=action, from_state=before, to_state=after, actor_id=actor.id,
                           reason=data.get("reason"))
    return {"id": package.id, "name": package.name, "workflow_state": after}


def _record_activity(package: model.Package, actor_id: Optional[str], action: str, before: str, after: str,
                     reason: Optional[str]) -> None:
    """An activity stream entry for the transition, labelled like the dataset's other activities."""
    if not p.plugin_loaded("activity") or actor_id is None:
        return
    package_dict = tk.get_action("package_show")({"ignore_auth": True, "use_cache": False}, {"id": package.id})
    tk.get_action("activity_create")({"ignore_auth": True}, {
        "user_id": actor_id, "object_id": package.id, "activity_type": "changed package",
        "data": {"package": package_dict,
                 "govcatalog_workflow": {"action": action, "from": before, "to": after, "reason": reason}},
    })
    hiding.relabel_activities(package.id, get_permission_labels().get_dataset_labels(package))


def _disclosed_package(reference: Any) -> Optional[model.Package]:
    """The active dataset named, when it is disclosed (published or withdrawal requested)."""
    package = model.Package.get(reference) if isinstance(reference, str) else None
    if package is None or package.state != "active" or not service.is_disclosed_state(service.state_of(package)):
        return None
    return package


@tk.chained_action
def package_update(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """A published dataset is not changed in place: the edit, files included, waits for approval as
    a pending revision (a stricter classification applies at once). See revisions.stage. Other
    edits are saved, and their author may not approve the dataset (four eyes)."""
    if context.get(service.APPLYING):
        return up_func(context, data_dict)
    reference = (data_dict or {}).get("id") or (data_dict or {}).get("name")
    package = _disclosed_package(reference)
    if package is not None:
        return revisions.stage(up_func, context, data_dict, package)
    unpublished = model.Package.get(reference) if isinstance(reference, str) else None
    user = access.user_from_context(context)
    if unpublished is not None and user is not None:
        service.add_author(unpublished, user.id)  # saved (or rolled back) with the edit
    return up_func(context, data_dict)


@tk.chained_action
@tk.side_effect_free
def package_show(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """As CKAN's; a read for an update by the author of a pending revision returns that revision,
    so that edits add up (see revisions.pending_view)."""
    result = up_func(context, data_dict)
    if (context.get("for_update") or context.get("for_edit")) and isinstance(result, dict):
        return revisions.pending_view(result, context)
    return result


@tk.chained_action
def resource_create(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """On a published dataset the new resource (and its file) waits in the pending revision, and
    that staged resource is returned. See revisions.stage_resource."""
    package = _disclosed_package((data_dict or {}).get("package_id"))
    if context.get(service.APPLYING) or package is None:
        return up_func(context, data_dict)
    return revisions.stage_resource(context, data_dict, package)


def govcatalog_workflow_submit(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Submit a dataset for approval (an editor of its organization): draft, rejected or withdrawn
    become pending approval (รออนุมัติ). Nothing is disclosed until an approver approves.

    :param id: the id or name of the dataset
    :type id: string
    :param reason: an optional note to the approvers
    :type reason: string
    :returns: ``{"id", "name", "workflow_state"}``
    """
    return _run("submit", context, data_dict)


def govcatalog_workflow_approve(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Approve a pending dataset, which is then published (เผยแพร่); or, for a published dataset
    with a pending revision, apply that revision. Approvers only, and never one's own submission
    (a sysadmin may, which the audit trail records as an override).

    :param id: the id or name of the dataset
    :type id: string
    :param reason: an optional note
    :type reason: string
    :returns: ``{"id", "name", "workflow_state"}``
    """
    return _run("approve", context, data_dict)


def govcatalog_workflow_reject(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Reject a pending dataset (ไม่อนุมัติ; its editors may change and resubmit it) or discard the
    pending revision of a published one. Approvers only; a reason is required.

    :param id: the id or name of the dataset
    :type id: string
    :param reason: why (required)
    :type reason: string
    :returns: ``{"id", "name", "workflow_state"}``
    """
    return _run("reject", context, data_dict)


def govcatalog_workflow_request_withdrawal(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Ask the approvers to withdraw a published dataset (it stays published until they do).

    :param id: the id or name of the dataset
    :type id: string
    :param reason: why
    :type reason: string
    :returns: ``{"id", "name", "workflow_state"}``
    """
    return _run("request_withdrawal", context, data_dict)


def govcatalog_workflow_withdraw(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Withdraw a published dataset (เพิกถอน): it is no longer disclosed. Approvers only; a reason
    is required.

    :param id: the id or name of the dataset
    :type id: string
    :param reason: why (required)
    :type reason: string
    :returns: ``{"id", "name", "workflow_state"}``
    """
    return _run("withdraw", context, data_dict)


@tk.side_effect_free
def govcatalog_workflow_history(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The audit trail of a dataset, oldest first: every transition with who, when, from, to,
    the reason and the digest of what was approved.

    :param id: the id or name of the dataset
    :type id: string
    :returns: a list of events
    """
    data = _validated(data_dict, schema.id_schema(), context)
    package = _package_or_404(data["id"])
    tk.check_access("govcatalog_workflow_history", context, {"id": package.id})
    events = model.Session.query(WorkflowEvent).filter(WorkflowEvent.package_id == package.id).order_by(
        WorkflowEvent.id)
    return [event.as_dict() for event in events]


@tk.side_effect_free
def govcatalog_workflow_queue(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """What waits for the caller: datasets pending approval and pending revisions in the
    organizations the caller approves, and the caller's own submissions with their states.

    :param organization: only this organization (id or name)
    :type organization: string
    :returns: ``{"to_decide": [...], "my_submissions": [...]}``
    """
    data = _validated(data_dict, schema.queue_schema(), context)
    tk.check_access("govcatalog_workflow_queue", context, data)
    user = access.user_facts(access.user_from_context(context))
    organization = model.Group.get(data["organization"]) if data.get("organization") else None
    rows = model.Session.query(WorkflowRecord, model.Package).join(
        model.Package, model.Package.id == WorkflowRecord.package_id).filter(model.Package.state != "deleted")
    if organization is not None:
        rows = rows.filter(model.Package.owner_org == organization.id)
    to_decide, mine = [], []
    for record, package in rows:
        item = {"id": package.id, "name": package.name, "title": package.title, "owner_org": package.owner_org,
                "workflow_state": record.state, "pending_revision": record.pending_revision is not None,
                "submitted_by": record.pending_by or record.submitted_by}
        waiting = record.state == service.PENDING or (record.pending_revision is not None)
        if waiting and service.is_approver(user, package.owner_org):
            to_decide.append(item)
        if user.id in (record.submitted_by, record.pending_by):
            mine.append(item)
    return {"to_decide": to_decide, "my_submissions": mine}


def _organization_and_user(context: Context, data_dict: DataDict, auth: str) -> tuple[model.Group, model.User]:
    data = _validated(data_dict, schema.approver_schema(), context)
    organization = model.Group.get(data["id"])
    if organization is None or not organization.is_organization:
        raise tk.ObjectNotFound(tk._("Organization not found"))
    tk.check_access(auth, context, {"id": organization.id})
    user = model.User.get(data["username"])
    if user is None:
        raise tk.ValidationError({"username": [tk._("User not found")]})
    return organization, user


def govcatalog_approver_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Name an approver of an organization (the head of the agency or a delegate). Organization
    admins are approvers already. Organization admins and sysadmins only.

    :param id: the organization's id or name
    :type id: string
    :param username: the user's name or id
    :type username: string
    """
    organization, user = _organization_and_user(context, data_dict, "govcatalog_approver_create")
    if model.Session.get(Approver, (organization.id, user.id)) is None:
        actor = access.user_from_context(context)
        model.Session.add(Approver(organization_id=organization.id, user_id=user.id,
                                   created_by=actor.id if actor else None))
        model.repo.commit()
    return {"organization_id": organization.id, "user_id": user.id, "username": user.name}


def govcatalog_approver_delete(context: Context, data_dict: DataDict) -> None:
    """Remove a named approver of an organization.

    :param id: the organization's id or name
    :type id: string
    :param username: the user's name or id
    :type username: string
    """
    organization, user = _organization_and_user(context, data_dict, "govcatalog_approver_delete")
    approver = model.Session.get(Approver, (organization.id, user.id))
    if approver is not None:
        model.Session.delete(approver)
        model.repo.commit()


@tk.side_effect_free
def govcatalog_approver_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The approvers named for an organization (its admins approve too, without being listed).

    :param id: the organization's id or name
    :type id: string
    :returns: a list of ``{"user_id", "username"}``
    """
    data = _validated(data_dict, schema.id_schema(), context)
    organization = model.Group.get(data["id"])
    if organization is None:
        raise tk.ObjectNotFound(tk._("Organization not found"))
    tk.check_access("govcatalog_approver_list", context, {"id": organization.id})
    rows = model.Session.query(Approver, model.User).join(model.User, model.User.id == Approver.user_id).filter(
        Approver.organization_id == organization.id)
    return [{"user_id": user.id, "username": user.name} for _, user in rows]
