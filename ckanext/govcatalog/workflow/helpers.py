"""Template helpers of the workflow plugin."""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govcatalog import access, policy
from ckanext.govcatalog.helpers import N_
from ckanext.govcatalog.workflow import service
from ckanext.govcatalog.workflow.model import WorkflowRecord

__all__ = ["govcatalog_workflow_panel", "govcatalog_workflow_queue_count", "govcatalog_workflow_state_name",
           "govcatalog_workflow_action_label"]


ACTION_LABELS = {
    "submit": N_("Submit for approval"), "approve": N_("Approve"), "reject": N_("Reject"),
    "request_withdrawal": N_("Request withdrawal"), "withdraw": N_("Withdraw"),
    "submit_revision": N_("Edit submitted"), "approve_revision": N_("Edit approved"),
    "reject_revision": N_("Edit rejected"), "tighten_level": N_("Classification tightened"),
    "cancel_revision": N_("Edit withdrawn by its author"),
    "withhold_consent": N_("Consent to harvesting withdrawn"),
}


def govcatalog_workflow_action_label(action: str) -> str:
    return tk._(ACTION_LABELS.get(action, action))

ACTIONS_BY_STATE = {
    service.DRAFT: ("submit",), service.REJECTED: ("submit",), service.WITHDRAWN: ("submit",),
    service.PENDING: ("approve", "reject"),
    service.PUBLISHED: ("request_withdrawal", "withdraw"),
    service.WITHDRAWAL_REQUESTED: ("withdraw",),
}


def govcatalog_workflow_state_name(state: str) -> str:
    return service.state_name(state)


def _allowed(action: str, package_id: str) -> bool:
    try:
        tk.check_access(f"govcatalog_workflow_{action}", {"user": tk.current_user.name if tk.current_user else None},
                        {"id": package_id})
        return True
    except (tk.NotAuthorized, AttributeError):
        return False


def govcatalog_workflow_panel(pkg_dict: dict[str, Any]) -> Optional[dict[str, Any]]:
    """What the dataset page shows of the workflow to this user, or None if nothing."""
    package = model.Package.get(pkg_dict.get("id"))
    if package is None or not _allowed("submit", package.id) and not _allowed("approve", package.id):
        return None
    state = service.state_of(package)
    record = WorkflowRecord.get(package.id)
    actions = list(ACTIONS_BY_STATE.get(state, ()))
    diff = None
    if record is not None and record.pending_revision is not None:
        actions = ["approve", "reject"]
        schema = tk.h.scheming_get_dataset_schema(package.type) or {}
        live = tk.get_action("package_show")({"ignore_auth": True, "use_cache": False}, {"id": package.id})
        diff = service.revision_diff(live, record.pending_revision, schema.get("dataset_fields", []))
    history = tk.get_action("govcatalog_workflow_history")({"ignore_auth": True}, {"id": package.id})
    users = {u.id: u for u in model.Session.query(model.User).filter(
        model.User.id.in_({e["actor_id"] for e in history if e["actor_id"]}))}
    for event in history:
        actor = users.get(event["actor_id"])
        event["actor_name"] = (actor.fullname or actor.name) if actor else ""
    return {
        "state": state, "state_name": govcatalog_workflow_state_name(state),
        "actions": [a for a in actions if _allowed(a, package.id)],
        "diff": diff, "pending_by": record.pending_by if record else None, "history": history,
    }


def govcatalog_workflow_queue_count() -> int:
    """Datasets waiting for the current user's decision (shown in the header on every page)."""
    user = access.current_user()
    if user is None:
        return 0
    return waiting_count(access.user_facts(user))


def waiting_count(user: policy.UserFacts) -> int:
    """One COUNT over the partial index of waiting records, in the organizations the user decides for."""
    query = model.Session.query(sa.func.count(WorkflowRecord.package_id)).join(
        model.Package, model.Package.id == WorkflowRecord.package_id).filter(
        sa.or_(WorkflowRecord.state == service.PENDING, WorkflowRecord.pending_revision.isnot(None)),
        model.Package.state != "deleted")
    if not user.sysadmin:
        organizations = {org for org, role in user.roles.items() if role == "admin"} | set(user.approver_of)
        if not organizations:
            return 0
        query = query.filter(model.Package.owner_org.in_(organizations))
    return int(query.scalar() or 0)
