"""Template helpers of the sync room: GD Catalog's registration state, from the cache only."""
from __future__ import annotations

from typing import Any, Optional

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govcatalog import access, policy
from ckanext.govcatalog.helpers import N_

from . import registration
from .model import STATES, RegistrationState

__all__ = ["govcatalog_gdcatalog_state", "govcatalog_sync_state_label", "govcatalog_gdcatalog_label"]

STATE_LABELS = {"pending": N_("Waiting to be sent"), "synced": N_("Sent"), "failed": N_("Failed"),
                "withdrawn": N_("Withdrawn from the target")}


def govcatalog_gdcatalog_state(package_id: str) -> Optional[dict[str, Any]]:
    """The cached registration state for the dataset page: label, link, when asked; None when
    GD Catalog is not configured or the reader may not see this state (a non-public dataset's
    state is for those who may edit it)."""
    if not registration.harvester_url():
        return None
    package = model.Package.get(package_id)
    if package is None or policy.is_top_secret(access.dataset_facts(package)):
        return None
    if not policy.may_be_listed_publicly(access.dataset_facts(package)):
        user = access.current_user()
        if user is None or not authz.is_authorized_boolean(
                "package_update", {"user": user.name, "auth_user_obj": user}, {"id": package.id}):
            return None
    state = RegistrationState.get(package.id)
    return {"state": state.state if state else None, "label": registration.label(state, package),
            "link": registration.portal_link(state), "checked_at": state.checked_at if state else None,
            "unknown": state is not None and state.state == "UNKNOWN"}


def govcatalog_sync_state_label(state: str) -> str:
    return tk._(STATE_LABELS.get(state, state)) if state in STATES else state


def govcatalog_gdcatalog_label(state: Optional[str]) -> str:
    return tk._(registration.LABELS.get(state or registration.NOT_REGISTERED, state or ""))
