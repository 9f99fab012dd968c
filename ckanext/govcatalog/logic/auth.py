"""Auth functions of the base plugin: the classification policy decides who reads what."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govcatalog import access, policy

__all__ = ["package_show", "resource_show", "package_create", "package_update", "follow_dataset",
           "package_collaborator_list", "user_invite", "govcatalog_changes"]


def _package(context: Context, data_dict: DataDict) -> model.Package | None:
    package = context.get("package")
    if isinstance(package, model.Package):
        return package
    reference = data_dict.get("id") or data_dict.get("name")
    return model.Package.get(reference) if isinstance(reference, str) and reference else None


def _resource_package(context: Context, data_dict: DataDict) -> model.Package | None:
    resource = context.get("resource")
    if not isinstance(resource, model.Resource):
        resource = model.Resource.get(data_dict.get("id")) if data_dict.get("id") else None
    return resource.package if resource is not None else None


def _decide(rule: Any, package: model.Package, context: Context, refusal: str) -> AuthResult:
    """The policy's answer for the acting user."""
    user = access.user_facts(access.user_from_context(context))
    if rule(access.dataset_facts(package), user):
        return {"success": True}
    return {"success": False, "msg": refusal}


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_show(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    package = _package(context, data_dict)
    if package is None:
        return next_auth(context, data_dict)
    return _decide(policy.may_see_metadata, package, context, tk._("You are not allowed to see this dataset"))


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def resource_show(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    package = _resource_package(context, data_dict)
    if package is None:
        return next_auth(context, data_dict)
    return _decide(policy.may_see_resources, package, context, tk._("The files of this dataset are not disclosed"))


def _owner_org_as_text(data_dict: DataDict) -> DataDict:
    """Core auth looks the organization up with the raw value; a number or a list there is an SQL
    error (HTTP 500). Its text form gives the same answer for real ids and a clean refusal otherwise."""
    owner_org = data_dict.get("owner_org")
    if owner_org is None or isinstance(owner_org, str):
        return data_dict
    return dict(data_dict, owner_org=str(owner_org))


@tk.chained_auth_function
def package_create(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    return next_auth(context, _owner_org_as_text(data_dict or {}))


def _unless_seen(context: Context, data_dict: DataDict, refusal: str) -> AuthResult | None:
    """A refusal when the acting user may not see the dataset named; None otherwise."""
    package = _package(context, data_dict or {})
    if package is None:
        return None
    decision = _decide(policy.may_see_metadata, package, context, refusal)
    return None if decision["success"] else decision


@tk.chained_auth_function
def package_update(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """Nobody changes a dataset they may not see (an editor of the organization and a top-secret
    dataset): every write on a dataset or its resources asks this function."""
    refusal = _unless_seen(context, data_dict, tk._("You are not allowed to change this dataset"))
    return refusal or next_auth(context, _owner_org_as_text(data_dict or {}))


@tk.chained_auth_function
def follow_dataset(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """Following is for datasets one may see."""
    refusal = _unless_seen(context, data_dict, tk._("You are not allowed to see this dataset"))
    return refusal or next_auth(context, data_dict)


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_collaborator_list(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """Core's check asserts a signed-in user and an existing dataset (a crash, HTTP 500, otherwise)."""
    if access.user_from_context(context) is None or _package(context, data_dict or {}) is None:
        return {"success": False, "msg": tk._("Not authorized to see the collaborators of this dataset")}
    return next_auth(context, data_dict)


@tk.chained_auth_function
def user_invite(next_auth: Any, context: Context, data_dict: DataDict) -> AuthResult:
    """Core's check reads ``group_id`` unguarded (a KeyError, HTTP 500, without it)."""
    if not isinstance((data_dict or {}).get("group_id"), str):
        return {"success": False, "msg": tk._("Name the organization to invite the user to (group_id)")}
    return next_auth(context, data_dict)


@tk.auth_allow_anonymous_access
def govcatalog_changes(context: Context, data_dict: DataDict) -> AuthResult:
    """Anyone may follow the change feed: it is filtered for the caller by the policy."""
    return {"success": True}
