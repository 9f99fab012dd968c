"""GD Catalog's registration state of our datasets: asked by a background job (TLS verified,
retried), cached in ``govcatalog_gdcatalog_state``, read by pages from the cache only.

The GD Catalog harvester answers (metadata-vocabulary.md):
- ``gdcatalog_published_state`` (public datasets): ``result[0].metadata_modified`` (empty: not
  registered) and ``result[0].name`` (the portal shows it at ``<portal>/dataset/gdpublish-<name>``);
- ``gdcatalog_nonpublish_state`` (others): ``result[0].governance_state``, ``validate_time`` and
  ``metadata_modified``.
"""
from __future__ import annotations

import datetime
import logging
import urllib.parse
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govcatalog import access, policy
from ckanext.govcatalog.helpers import N_

from . import service
from .client import CkanClient, RemoteError
from .model import GOVERNANCE_STATES, NOT_REGISTERED, REGISTERED, UNKNOWN, RegistrationState, now

log = logging.getLogger(__name__)

# English msgids; the Thai labels agencies know are in the gettext catalogs.
LABELS = {
    REGISTERED: N_("Registered"),
    NOT_REGISTERED: N_("Not yet registered"),
    "WAIT": N_("Ready for registration"),
    "REJECT": N_("Did not pass the criteria"),
    "VALIDATE": N_("In the approval process"),
    "VALIDATE_MODIFIED": N_("In the approval process"),
    "APPROVAL": N_("In the approval process"),
    "WAIT_REVOKE": N_("In the revocation process"),
    "REVOKE": N_("In the revocation process"),
    "DELETED": N_("Deleted from GD Catalog"),
    UNKNOWN: N_("Unknown (GD Catalog could not be reached)"),
}
ALL_STATES = (REGISTERED, NOT_REGISTERED, *GOVERNANCE_STATES, UNKNOWN)


def harvester_url() -> str:
    return str(tk.config.get("ckanext.govcatalog.sync.gdcatalog_url") or "").rstrip("/")


def portal_link(state: Optional[RegistrationState]) -> Optional[str]:
    portal = str(tk.config.get("ckanext.govcatalog.sync.gdcatalog_portal_url") or "").rstrip("/")
    if state is None or not portal or not state.remote_name:
        return None
    return f"{portal}/dataset/gdpublish-{urllib.parse.quote(state.remote_name)}"


def site_host() -> str:
    return urllib.parse.urlsplit(str(tk.config.get("ckan.site_url") or "")).hostname or ""


def _first(result: Any) -> dict[str, Any]:
    if isinstance(result, list) and result and isinstance(result[0], dict):
        return result[0]
    return result if isinstance(result, dict) else {}


def ask(client: CkanClient, package: model.Package) -> dict[str, Any]:
    """One dataset's answer, as the columns of the cache."""
    body = {"site_url": site_host(), "package": package.id}
    if policy.may_be_listed_publicly(access.dataset_facts(package)):
        answer = _first(client.call("gdcatalog_published_state", body))
        registered = bool(answer.get("metadata_modified"))
        return {"state": REGISTERED if registered else NOT_REGISTERED,
                "remote_name": answer.get("name") or None if registered else None,
                "remote_modified": answer.get("metadata_modified") or None, "validate_time": None}
    answer = _first(client.call("gdcatalog_nonpublish_state", body))
    governance = answer.get("governance_state")
    return {"state": governance if governance in GOVERNANCE_STATES else NOT_REGISTERED,
            "remote_name": answer.get("name") or None, "remote_modified": answer.get("metadata_modified") or None,
            "validate_time": answer.get("validate_time") or None}


def due_package_ids(limit: int = 1000) -> list[str]:
    """Datasets that may be known to GD Catalog (never top secret) whose answer is old or missing."""
    refresh = int(tk.config.get("ckanext.govcatalog.sync.gdcatalog_refresh"))
    before = now() - datetime.timedelta(seconds=refresh)
    checked = sa.select(RegistrationState.package_id).where(RegistrationState.checked_at > before)
    query = model.Session.query(model.Package).filter(
        model.Package.state == "active", model.Package.type == "dataset", model.Package.id.notin_(checked))
    return [p.id for p in query.limit(limit) if not policy.is_top_secret(access.dataset_facts(p))]


def refresh(package_ids: Optional[list[str]] = None, client: Optional[CkanClient] = None) -> dict[str, int]:
    """Ask GD Catalog about these datasets (default: those due) and cache the answers; when it
    cannot be reached, the state is UNKNOWN and the last good answer is kept."""
    url = harvester_url()
    if not url:
        return {"not configured": 1}
    settings = service.SETTINGS_FACTORY()
    client = client or CkanClient(url, None, timeout=settings.timeout, tries=settings.tries,
                                  backoff=settings.backoff, inline_wait_max=settings.inline_wait_max,
                                  sleep=settings.sleep)
    counts: dict[str, int] = {}
    for package_id in package_ids if package_ids is not None else due_package_ids():
        package = model.Package.get(package_id)
        if package is None or policy.is_top_secret(access.dataset_facts(package)):
            continue
        cached = RegistrationState.get(package.id) or RegistrationState(package_id=package.id)
        cached.checked_at = now()
        try:
            answer = ask(client, package)
        except RemoteError as error:
            log.warning("GD Catalog state of %s: %s", package.id, error)
            if cached.state and cached.state != UNKNOWN:
                cached.last_known = cached.state
            cached.state = UNKNOWN
        else:
            for key, value in answer.items():
                setattr(cached, key, value)
            cached.last_known = answer["state"]
            cached.answered_at = cached.checked_at
        model.Session.add(cached)
        model.repo.commit()
        counts[cached.state] = counts.get(cached.state, 0) + 1
    return counts


def label(state: Optional[RegistrationState], package: Optional[model.Package] = None) -> str:
    """The label agencies know, in the reader's language; REJECT says when the dataset changed
    here after GD Catalog's copy."""
    if state is None:
        return tk._(LABELS[NOT_REGISTERED])
    text = tk._(LABELS.get(state.state, state.state))
    if state.state == "REJECT" and package is not None and state.remote_modified and package.metadata_modified \
            and package.metadata_modified.isoformat() > str(state.remote_modified):
        text += " " + tk._("(updated)")
    return text
