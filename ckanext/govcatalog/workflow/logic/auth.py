"""Who may act in the workflow: editors prepare and submit, approvers decide."""
from __future__ import annotations

from typing import Any, Optional

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govcatalog import access, policy
from ckanext.govcatalog.workflow import service, staging

__all__ = [
    "govcatalog_workflow_submit", "govcatalog_workflow_approve", "govcatalog_workflow_reject",
    "govcatalog_workflow_request_withdrawal", "govcatalog_workflow_withdraw", "govcatalog_workflow_history",
    "govcatalog_workflow_queue", "govcatalog_approver_create", "govcatalog_approver_delete",
    "govcatalog_approver_list", "package_delete", "bulk_update_public", "bulk_update_private",
    "file_ownership_transfer",
]


def _package(data_dict: DataDict) -> Optional[model.Package]:
    reference = (data_dict or {}).get("id")
    return model.Package.get(reference) if isinstance(reference, str) else None


def _user(context: Context) -> policy.UserFacts:
    return access.user_facts(access.user_from_context(context))


def _editor_action(context: Context, data_dict: DataDict) -> AuthResult:
    package = _package(data_dict)
    if package is None:
        return {"success": False, "msg": tk._("Dataset not found")}
    return {"success": authz.is_authorized_boolean("package_update", context, {"id": package.id})}


def _approver_action(context: Context, data_dict: DataDict) -> AuthResult:
    package = _package(data_dict)
    if package is None:
        return {"success": False, "msg": tk._("Dataset not found")}
    if service.is_approver(_user(context), package.owner_org):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the organization's approvers may decide")}


govcatalog_workflow_submit = _editor_action
govcatalog_workflow_request_withdrawal = _editor_action
govcatalog_workflow_approve = _approver_action
govcatalog_workflow_reject = _approver_action
govcatalog_workflow_withdraw = _approver_action


@tk.auth_allow_anonymous_access
def govcatalog_workflow_history(context: Context, data_dict: DataDict) -> AuthResult:
    package = _package(data_dict)
    if package is None:
        return {"success": False, "msg": tk._("Dataset not found")}
    return {"success": policy.may_see_metadata(access.dataset_facts(package), _user(context))}


def govcatalog_workflow_queue(context: Context, data_dict: DataDict) -> AuthResult:
    # Any signed-in user; the queue lists only what the user may decide or has submitted.
    return {"success": _user(context).id is not None}


def _organization(data_dict: DataDict) -> Optional[model.Group]:
    reference = (data_dict or {}).get("id")
    return model.Group.get(reference) if isinstance(reference, str) else None


def _organization_admin(context: Context, data_dict: DataDict) -> AuthResult:
    organization = _organization(data_dict)
    if organization is None or not organization.is_organization:
        return {"success": False, "msg": tk._("Organization not found")}
    user = _user(context)
    return {"success": user.sysadmin or user.role_in(organization.id) == "admin"}


govcatalog_approver_create = _organization_admin
govcatalog_approver_delete = _organization_admin


def govcatalog_approver_list(context: Context, data_dict: DataDict) -> AuthResult:
    organization = _organization(data_dict)
    if organization is None:
        return {"success": False, "msg": tk._("Organization not found")}
    user = _user(context)
    return {"success": user.sysadmin or user.role_in(organization.id) is not None}


def _owning_package(owner_type: Any, owner_id: Any) -> Optional[model.Package]:
    if not isinstance(owner_id, str):
        return None
    if owner_type == "package":
        return model.Package.get(owner_id)
    resource = model.Resource.get(owner_id) if owner_type == "resource" else None
    return resource.package if resource is not None else None


@tk.chained_auth_function
def file_ownership_transfer(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """CKAN 2.12 file storage: a file given to a published dataset or its resource would be
    readable at once; files of a published dataset change only through an approved revision."""
    package = _owning_package((data_dict or {}).get("owner_type"), (data_dict or {}).get("owner_id"))
    if package is not None and service.is_disclosed_state(service.state_of(package)) \
            and staging.pending_swaps() is None:
        return {"success": False,
                "msg": tk._("A file of a published dataset changes only when an approver approves the change")}
    return next_auth(context, data_dict)


@tk.chained_auth_function
def package_delete(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """Deleting a published dataset withdraws it: that is an approver's decision."""
    package = _package(data_dict)
    if package is not None and service.is_disclosed_state(service.state_of(package)) \
            and not service.is_approver(_user(context), package.owner_org):
        return {"success": False, "msg": tk._("A published dataset is withdrawn by an approver: request withdrawal")}
    return next_auth(context, data_dict)


def _publication_is_approval(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """CKAN's bulk public/private switch would publish around the approval (its flag follows the
    workflow instead): datasets are published and withdrawn one by one through the workflow."""
    return {"success": False, "msg": tk._("Datasets are published and withdrawn through approval")}


bulk_update_public = tk.chained_auth_function(_publication_is_approval)
bulk_update_private = tk.chained_auth_function(_publication_is_approval)
