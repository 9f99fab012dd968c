"""Turn CKAN objects (packages, package dicts, users) into the facts that ``policy`` decides on."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Mapping, Optional, Union

import flask
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
            harvest_consent=_consents(extras.get("allow_harvest")),
        )
    return policy.DatasetFacts(
        owner_org=dataset.get("owner_org"),
        level=_field(dataset, "data_classification"),
        category=_field(dataset, "data_category"),
        creator_user_id=dataset.get("creator_user_id"),
        workflow_state=_workflow_state(dataset.get("id"), dataset.get("state"), bool(dataset.get("private"))),
        harvest_consent=_consents(_field(dataset, "allow_harvest")),
    )


def _consents(allow_harvest: Any) -> bool:
    """Only an explicit "False" withholds consent (vocabulary: "True"/"False", empty means not asked)."""
    return allow_harvest != "False"


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
    """The user's roles, read once per request (a page asks for every dataset it shows)."""
    if user is None or not getattr(user, "id", None):
        return policy.ANONYMOUS
    cache = _request_cache()
    if cache is not None and user.id in cache:
        return cache[user.id]
    roles = {group_id: capacity for group_id, capacity in model.Session.execute(_ROLES_SQL, {"user_id": user.id})}
    facts = policy.UserFacts(id=user.id, sysadmin=bool(user.sysadmin), roles=roles, approver_of=approver_of(user.id),
                             harvester=is_harvest_account(user.name))
    if cache is not None:
        cache[user.id] = facts
    return facts


def is_harvest_account(user_name: Optional[str]) -> bool:
    """Named in ckanext.govcatalog.harvest_accounts: a puller's service account."""
    return bool(user_name) and user_name in (tk.config.get("ckanext.govcatalog.harvest_accounts") or [])


def dataset_facts_as_dict(facts: policy.DatasetFacts) -> dict[str, Any]:
    """The facts as JSON (the change feed keeps them with each change)."""
    return dataclasses.asdict(facts)


def dataset_facts_from_dict(stored: Optional[Mapping[str, Any]]) -> Optional[policy.DatasetFacts]:
    if stored is None:
        return None
    known = {f.name for f in dataclasses.fields(policy.DatasetFacts)}
    return policy.DatasetFacts(**{k: v for k, v in stored.items() if k in known})


USER_FACTS_CACHE = "govcatalog_user_facts"


def _request_cache() -> Optional[dict[str, policy.UserFacts]]:
    """Only inside a routed request: scripts and tests that change roles between calls see them."""
    if not flask.has_request_context() or flask.request.url_rule is None:
        return None
    return flask.g.setdefault(USER_FACTS_CACHE, {})


def approver_of(user_id: str) -> frozenset[str]:
    """Organizations where the user was named approver (none until the workflow plugin names some)."""
    return frozenset(org for lookup in APPROVER_LOOKUPS for org in lookup(user_id))


def prefetch_workflow_states(package_ids: Iterable[Any]) -> list[Any]:
    """Read the workflow states of many datasets in one query (a search page's results); hold
    what it returns while deciding on them."""
    wanted = [i for i in package_ids if isinstance(i, str)]
    return [record for prefetch in WORKFLOW_STATE_PREFETCHES for record in prefetch(wanted)]


# Filled by the workflow plugin, which keeps the approvers and the workflow state.
APPROVER_LOOKUPS: list[Callable[[str], Iterable[str]]] = []
WORKFLOW_STATE_LOOKUPS: list[Callable[[str], Optional[str]]] = []
WORKFLOW_STATE_PREFETCHES: list[Callable[[list[str]], list[Any]]] = []


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
