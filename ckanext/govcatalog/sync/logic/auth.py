"""Who may use the sync: catalog managers (sysadmins); a dataset's registration state: those who
may see it (the non-public states: those who may edit it)."""
from __future__ import annotations

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ckanext.govcatalog import access, policy

__all__ = [
    "govcatalog_sync_status", "govcatalog_sync_push", "govcatalog_sync_withdraw", "govcatalog_sync_retry",
    "govcatalog_sync_reconcile", "govcatalog_gdcatalog_refresh", "govcatalog_gdcatalog_state_show",
]


def _catalog_managers(context: Context, data_dict: DataDict) -> AuthResult:
    # sysadmins pass before auth functions run; everyone else is refused
    return {"success": False, "msg": tk._("Only catalog managers (sysadmins) may manage the sync")}


govcatalog_sync_status = _catalog_managers
govcatalog_sync_push = _catalog_managers
govcatalog_sync_withdraw = _catalog_managers
govcatalog_sync_retry = _catalog_managers
govcatalog_sync_reconcile = _catalog_managers
govcatalog_gdcatalog_refresh = _catalog_managers


@tk.auth_allow_anonymous_access
def govcatalog_gdcatalog_state_show(context: Context, data_dict: DataDict) -> AuthResult:
    reference = (data_dict or {}).get("id")
    package = model.Package.get(reference) if isinstance(reference, str) else None
    if package is None:
        return {"success": False, "msg": tk._("Dataset not found")}
    facts = access.dataset_facts(package)
    if policy.may_be_listed_publicly(facts):
        return {"success": True}
    return {"success": authz.is_authorized_boolean("package_update", context, {"id": package.id})}
