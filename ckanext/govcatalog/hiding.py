"""Take out of package dicts, search results and index documents what the policy withholds."""
from __future__ import annotations

import json
from typing import Any, Optional

import sqlalchemy as sa

import ckan.model as model

from . import access, policy

# Set on a dataset whose resources are withheld from the viewer; pages show "ไม่แสดงไฟล์ข้อมูลและทรัพยากร".
RESOURCES_HIDDEN = "govcatalog_resources_hidden"
# Index fields that carry resource content (names, links, descriptions).
RESOURCE_INDEX_FIELDS = ("res_url", "res_name", "res_description", "urls")
RESOURCE_INDEX_PREFIXES = ("res_extras_",)
SEARCH_BLOBS = ("data_dict", "validated_data_dict")


def hide_resources(package: dict[str, Any]) -> dict[str, Any]:
    """The same dict without its resources, marked so that pages can say why."""
    package["resources"] = []
    package["num_resources"] = 0
    package[RESOURCES_HIDDEN] = True
    return package


def withhold_for(package: dict[str, Any], user: policy.UserFacts) -> dict[str, Any]:
    if not policy.may_see_resources(access.dataset_facts(package), user):
        hide_resources(package)
    return package


def strip_index_document(document: dict[str, Any]) -> dict[str, Any]:
    """Resource text stays out of the index unless the files are open to everyone, so that a
    search (or a ``fl`` request) cannot reveal what the dataset page hides."""
    facts = access.dataset_facts(document)
    if policy.effective_level(facts.level) == policy.OPEN:
        return document
    for key in list(document):
        if key in RESOURCE_INDEX_FIELDS or key.startswith(RESOURCE_INDEX_PREFIXES):
            del document[key]
    return document


def sanitize_search_result(result: dict[str, Any], user: policy.UserFacts) -> dict[str, Any]:
    """A package_search result, full dict or ``fl`` fields, with withheld resources removed.

    The raw index copies (``fl=data_dict`` or ``validated_data_dict``) are sanitised like the
    dict itself; a result whose dataset cannot be told (no facts, no id, no copy) keeps none of
    them and no resource field: the sanitiser fails closed.
    """
    package = _package_of(result)
    if package is not None and policy.may_see_resources(access.dataset_facts(package), user):
        return result
    if "resources" in result:
        hide_resources(result)
    for key in list(result):
        if key in RESOURCE_INDEX_FIELDS or key.startswith(RESOURCE_INDEX_PREFIXES):
            del result[key]
    for blob in SEARCH_BLOBS:
        copy = _blob(result, blob)
        if copy is None:
            result.pop(blob, None)
        elif blob in result:
            result[blob] = json.dumps(hide_resources(copy))
    return result


def _blob(result: dict[str, Any], key: str) -> Optional[dict[str, Any]]:
    value = result.get(key)
    try:
        parsed = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def relabel_activities(package_id: str, labels: list[str]) -> None:
    model.Session.execute(
        sa.text("UPDATE activity SET permission_labels = :labels WHERE object_id = :id"),
        {"labels": labels, "id": package_id},
    )


# A full search result (the indexed dataset dict, kept current by every update) holds the facts;
# an ``fl`` result may not, and then the dataset is read from the database.
FACT_FIELDS = ("owner_org", "state", "private")


def _package_of(result: dict[str, Any]) -> Any:
    if all(key in result for key in FACT_FIELDS):
        return result
    reference = result.get("id") or result.get("name")
    if not reference:
        copies = [c for c in (_blob(result, blob) for blob in SEARCH_BLOBS) if c is not None]
        reference = next((c.get("id") for c in copies if isinstance(c.get("id"), str)), None)
    return model.Package.get(reference) if isinstance(reference, str) else None
