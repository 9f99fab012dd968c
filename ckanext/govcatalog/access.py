"""Turn CKAN objects (packages, package dicts, users) into the facts that ``policy`` decides on."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Optional, Union

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from . import policy

# Anything that is not an active, public (non-private) dataset is not disclosed.
NOT_DISCLOSED_PRIVATE = "private"


def _workflow_state(package_id: Optional[str], state: Optional[str], private: bool) -> str:
    """Not active: not disclosed. Otherwise the workflow decides when it runs (its lookup answers),
    and CKAN's private flag when it does not."""
    if state != "active":
        return state or "draft"
    for lookup in WORKFLOW_STATE_LOOKUPS:
        stored = lookup(package_id) if package_id else None
        if stored is not None:
            return stored
    return NOT_DISCLOSED_PRIVATE if private else policy.PUBLISHED


def dataset_facts(dataset: Union[model.Package, Mapping[str, Any]]) -> policy.DatasetFacts:
    """Facts of a dataset from the model object or from a package dict (package_show/search)."""
    if isinstance(dataset, model.Package):
        extras = dataset.extras or {}
        return policy.DatasetFacts(
            owner_org=dataset.owner_org,
            level=extras.get("data_classification"),
            category=extras.get("data_category"),
            creator_user_id=dataset.creator_user_id,
            workflow_state=_workflow_state(dataset.id, dataset.state, bool(dataset.private)),
        )
    return policy.DatasetFacts(
        owner_org=dataset.get("owner_org"),
        level=_field(dataset, "data_classification"),
        category=_field(dataset, "data_category"),
        creator_user_id=dataset.get("creator_user_id"),
        workflow_state=_workflow_state(dataset.get("id"), dataset.get("state"), bool(dataset.get("private"))),
    )


def _field(dataset: Mapping[str, Any], key: str) -> Any:
    """A schema field of a package dict: at the top level (scheming), else among the extras (core)."""
    if key in dataset:
        return dataset[key]
    for extra in dataset.get("extras") or []:
        if isinstance(extra, dict) and extra.get("key") == key:
            return extra.get("value")
    return None


_ROLES_SQL = sa.text(
    "SELECT m.group_id, m.capacity FROM member m JOIN \"group\" g ON g.id = m.group_id "
    "WHERE m.table_name = 'user' AND m.table_id = :user_id AND m.state = 'active' "
    "AND g.state = 'active' AND g.is_organization"
)


def user_facts(user: Optional[model.User]) -> policy.UserFacts:
    if user is None or not getattr(user, "id", None):
        return policy.ANONYMOUS
    roles = {group_id: capacity for group_id, capacity in model.Session.execute(_ROLES_SQL, {"user_id": user.id})}
    return policy.UserFacts(id=user.id, sysadmin=bool(user.sysadmin), roles=roles, approver_of=approver_of(user.id))


def approver_of(user_id: str) -> frozenset[str]:
    """Organizations where the user was named approver (none until the workflow plugin names some)."""
    return frozenset(org for lookup in APPROVER_LOOKUPS for org in lookup(user_id))


# Filled by the workflow plugin, which keeps the approvers and the workflow state.
APPROVER_LOOKUPS: list[Callable[[str], Iterable[str]]] = []
WORKFLOW_STATE_LOOKUPS: list[Callable[[str], Optional[str]]] = []


def user_from_context(context: Mapping[str, Any]) -> Optional[model.User]:
    """The acting user of an action call: the context's user, else the logged-in user."""
    user = context.get("auth_user_obj")
    if isinstance(user, model.User):
        return user
    name = context.get("user")
    if name:
        return model.User.get(name)
    return current_user()


def current_user() -> Optional[model.User]:
    try:
        user = tk.current_user
        return user if isinstance(user, model.User) else None
    except (RuntimeError, AttributeError):  # no request
        return None
