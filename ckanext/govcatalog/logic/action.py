"""Core read paths that return dataset data, made to answer as the policy allows.

CKAN's own versions of these read the tables directly (tags, resources, members, followees) or
return what activities stored at the time; each is chained here to a filter named in
``surfaces.py``: tags, resources, members, listing, hiding and activities.
"""
from __future__ import annotations

import difflib
import importlib.metadata
import json
import re
from typing import Any, Callable, Iterable, Optional

import ckan.lib.dictization.model_dictize as model_dictize
import ckan.lib.search as search
import ckan.logic as ckan_logic
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govcatalog import access, changes, hiding, policy
from ckanext.govcatalog.harvest.logic import action as harvest_action
from ckanext.govcatalog.logic import shape

Action = Callable[[Context, DataDict], Any]


def _reader(context: Context) -> policy.UserFacts:
    return access.user_facts(access.user_from_context(context))


def _search_as_reader(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """package_search as the calling user (their permission labels, results sanitised)."""
    user = access.user_from_context(context)
    search_context = {"user": user.name if user else "", "auth_user_obj": user}
    return tk.get_action("package_search")(search_context, data_dict)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- tags: only those of datasets the reader may see ------------------------------------------

def visible_tag_counts(context: Context) -> dict[str, int]:
    """Free tags of the datasets the reader finds in search, with their counts."""
    result = _search_as_reader(context, {"rows": 0, "facet.field": ["tags"], "facet.limit": -1,
                                         "include_private": True, "include_drafts": True})
    return dict(result.get("facets", {}).get("tags", {}))


def _search_terms(data_dict: DataDict) -> list[str]:
    terms = data_dict.get("query") or data_dict.get("q") or []
    if isinstance(terms, str):
        terms = [terms]
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise tk.ValidationError({"query": [tk._("The query must be text or a list of texts")]})
    return [t.strip().lower() for t in terms if t.strip()]


def _matching_tags(context: Context, data_dict: DataDict) -> list[str]:
    terms = _search_terms(data_dict)
    if not terms:
        return []
    return sorted(name for name in visible_tag_counts(context) if all(t in name.lower() for t in terms))


def _page(items: list[Any], data_dict: DataDict) -> list[Any]:
    offset = _non_negative_int(data_dict, "offset", 0) or 0
    limit = _non_negative_int(data_dict, "limit", None)
    return items[offset:offset + limit] if limit is not None else items[offset:]


def _non_negative_int(data_dict: DataDict, key: str, default: Optional[int]) -> Optional[int]:
    value = data_dict.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        raise tk.ValidationError({key: [tk._("Must be a natural number")]})
    return number


def _tag_dicts(names: Iterable[str], context: Context) -> list[dict[str, Any]]:
    tags = [tag for tag in (model.Tag.by_name(name) for name in names) if tag is not None]
    return model_dictize.tag_list_dictize(tags, context)


def _free_tags(answer: Callable[[Context, DataDict], Any]) -> Action:
    """A chained tag action that answers from the reader's visible free tags; vocabulary tags
    (a controlled list, not dataset data) stay CKAN's."""
    name = answer.__name__

    def action(up_func: Action, context: Context, data_dict: DataDict) -> Any:
        if data_dict.get("vocabulary_id"):
            return up_func(context, data_dict)
        tk.check_access(name, context, data_dict)
        return answer(context, data_dict)

    action.__name__ = action.__qualname__ = name
    action.__doc__ = answer.__doc__
    return tk.side_effect_free(tk.chained_action(action))


@_free_tags
def tag_list(context: Context, data_dict: DataDict) -> Any:
    """CKAN's tag_list over the tags of datasets the caller may see."""
    names = (_matching_tags(context, data_dict) if (data_dict.get("query") or data_dict.get("q"))
             else sorted(visible_tag_counts(context)))
    return _tag_dicts(names, context) if tk.asbool(data_dict.get("all_fields")) else names


@_free_tags
def tag_search(context: Context, data_dict: DataDict) -> Any:
    """CKAN's tag_search over the tags of datasets the caller may see."""
    names = _matching_tags(context, data_dict)
    return {"count": len(names), "results": _tag_dicts(_page(names, data_dict), context)}


@_free_tags
def tag_autocomplete(context: Context, data_dict: DataDict) -> Any:
    """CKAN's tag_autocomplete over the tags of datasets the caller may see."""
    return _page(_matching_tags(context, data_dict), data_dict)


@tk.chained_action
@tk.side_effect_free
def tag_show(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    include_datasets = tk.asbool(data_dict.get("include_datasets", False))
    tag = up_func(context, dict(data_dict, include_datasets=False))
    vocabulary = model.Vocabulary.get(tag["vocabulary_id"]) if tag.get("vocabulary_id") else None
    if vocabulary is None and tag["name"] not in visible_tag_counts(context):
        raise tk.ObjectNotFound(tk._("Tag not found"))
    if include_datasets:
        field = f"vocab_{vocabulary.name}" if vocabulary is not None else "tags"
        tag["packages"] = _search_as_reader(context, {
            "fq": f"{field}:{_quoted(tag['name'])}", "rows": 1000,
            "include_private": True, "include_drafts": True})["results"]
    return tag


# --- resources, members, lists of datasets ------------------------------------------------------

@tk.chained_action
@tk.side_effect_free
def resource_search(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """Only resources whose files the reader may have; counted and paged after filtering."""
    found = up_func(context, {k: v for k, v in data_dict.items() if k not in ("offset", "limit")})
    reader = _reader(context)
    packages = _packages({r.get("package_id") for r in found["results"]})
    results = [r for r in found["results"] if r.get("package_id") in packages
               and policy.may_see_resources(access.dataset_facts(packages[r["package_id"]]), reader)]
    return {"count": len(results), "results": _page(results, data_dict)}


def _packages(ids: Iterable[Optional[str]]) -> dict[str, model.Package]:
    wanted = [i for i in ids if isinstance(i, str)]
    if not wanted:
        return {}
    return {pkg.id: pkg for pkg in model.Session.query(model.Package).filter(model.Package.id.in_(wanted))}


@tk.chained_action
@tk.side_effect_free
def member_list(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """A group's or organization's datasets are those the reader may see."""
    members = up_func(context, data_dict)
    reader = _reader(context)
    packages = _packages(table_id for table_id, table_name, _ in members if table_name == "package")
    return [(table_id, table_name, capacity) for table_id, table_name, capacity in members
            if table_name != "package" or (table_id in packages and policy.may_see_metadata(
                access.dataset_facts(packages[table_id]), reader))]


LISTING_PAGE = 1000


@tk.chained_action
@tk.side_effect_free
def package_list(up_func: Action, context: Context, data_dict: DataDict) -> list[str]:
    """Names (ids for API v2) of the datasets anyone may find, read from the search index with an
    anonymous reader's permission labels: the same rule as search, whatever CKAN's private flag."""
    tk.check_access("package_list", context, data_dict)
    limit = _non_negative_int(data_dict, "limit", None) or None  # 0: no limit, as in CKAN
    offset = _non_negative_int(data_dict, "offset", 0) or 0
    field = "id" if context.get("api_version") == 2 else "name"
    names: list[str] = []
    start = offset
    while limit is None or len(names) < limit:
        rows = LISTING_PAGE if limit is None else min(LISTING_PAGE, limit - len(names))
        page = search.query_for(model.Package).run(
            {"q": "*:*", "fl": field, "rows": rows, "start": start, "sort": f"{field} asc"},
            permission_labels=policy.user_labels(policy.ANONYMOUS))
        found = [r[field] if isinstance(r, dict) else r for r in page["results"]]
        names.extend(found)
        start += len(found)
        if len(found) < rows:
            break
    return names


@tk.chained_action
@tk.side_effect_free
def dataset_followee_list(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    reader = _reader(context)
    return [hiding.withhold_for(package, reader) for package in up_func(context, data_dict)]


@tk.chained_action
@tk.side_effect_free
def followee_list(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    reader = _reader(context)
    followees = up_func(context, data_dict)
    for followee in followees:
        if followee.get("type") == "dataset":
            hiding.withhold_for(followee["dict"], reader)
    return followees


# --- activities: what the reader may see of the dataset now, past versions included ------------

def _activity_package_facts(activity: dict[str, Any]) -> Optional[policy.DatasetFacts]:
    """Facts of the dataset an activity is about (the stored copy if it was purged since)."""
    if "package" not in (activity.get("activity_type") or ""):
        return None
    package = model.Package.get(activity.get("object_id"))
    if package is not None:
        return access.dataset_facts(package)
    stored = (activity.get("data") or {}).get("package")
    if isinstance(stored, dict):
        return access.dataset_facts(stored)
    return policy.DatasetFacts(None, None, None, "deleted")


def sanitize_activity(activity: dict[str, Any], reader: policy.UserFacts) -> Optional[dict[str, Any]]:
    """None if the reader may not see the dataset at all; resources out if not its files."""
    facts = _activity_package_facts(activity)
    if facts is None:
        return activity
    if not policy.may_see_metadata(facts, reader):
        return None
    stored = (activity.get("data") or {}).get("package")
    if isinstance(stored, dict) and not policy.may_see_resources(facts, reader):
        hiding.hide_resources(stored)
    return activity


def _activity_list(up_func: Action, context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    reader = _reader(context)
    return [a for a in (sanitize_activity(a, reader) for a in up_func(context, data_dict)) if a is not None]


def _activity_or_403(activity: dict[str, Any], context: Context) -> dict[str, Any]:
    sanitized = sanitize_activity(activity, _reader(context))
    if sanitized is None:
        raise tk.NotAuthorized(tk._("Unauthorized to view activity data"))
    return sanitized


def _activity_show(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    # core's auth reads include_data unguarded (a KeyError, HTTP 500, without it)
    data_dict = dict(data_dict, include_data=tk.asbool(data_dict.get("include_data", False)))
    return _activity_or_403(up_func(context, data_dict), context)


def _activity_data_show(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    data = up_func(context, data_dict)
    activity = tk.get_action("activity_show")(context, {"id": data_dict.get("id"), "include_data": True})
    if data_dict.get("object_type"):
        return (activity.get("data") or {}).get(data_dict["object_type"], data)
    return activity.get("data") or {}


def _activity_diff(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The diff again, from what the reader may see of both versions (CKAN diffs raw copies)."""
    result = up_func(context, data_dict)
    activities = [_activity_or_403(a, context) for a in result["activities"]]
    objects = [(a.get("data") or {}).get(data_dict.get("object_type", "package"), {}) for a in activities]
    return {"diff": diff_text(objects, data_dict.get("diff_type", "unified")), "activities": activities}


def diff_text(objects: list[Any], diff_type: str) -> str:
    """The same rendering as CKAN's activity_diff (unified, context or an HTML table)."""
    old, new = (json.dumps(obj, indent=2, sort_keys=True).split("\n") for obj in objects)
    if diff_type == "unified":
        return "\n".join(difflib.unified_diff(old, new))
    if diff_type == "context":
        return "\n".join(difflib.context_diff(old, new))
    if diff_type == "html":
        old, new = ([part for line in side for part in re.findall(r".{1,70}(?:\s+|$)", line)] for side in (old, new))
        return difflib.HtmlDiff().make_table(old, new)
    raise tk.ValidationError({"message": "diff_type not recognized"})


@tk.chained_action
@tk.side_effect_free
def status_show(up_func: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """CKAN's status_show, plus what national harvesters read: the catalog kind
    (``govcatalog_catalog_kind``: agency, area_based, data_center or local_government) and the
    suite's version (``govcatalog_version``)."""
    status = up_func(context, data_dict)
    status["govcatalog_catalog_kind"] = tk.config.get("ckanext.govcatalog.catalog_kind")
    status["govcatalog_version"] = suite_version()
    return status


def suite_version() -> str:
    try:
        return importlib.metadata.version("ckanext-govcatalog")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@tk.chained_action
def package_owner_org_update(up_func: Action, context: Context, data_dict: DataDict) -> Any:
    """CKAN's, and when called on its own (not inside package_update, which does both itself) the
    move bumps metadata_modified and reindexes the dataset: who may see it changed, so incremental
    harvesters and the change feed must notice, and search must label it by its new owner."""
    if context.get("defer_commit"):
        return up_func(context, data_dict)
    result = up_func(dict(context, defer_commit=True), data_dict)
    package = model.Package.get((data_dict or {}).get("id") or "")
    if package is not None:
        changes.mark_modified(package)
        ckan_logic.index_update_package({"ignore_auth": True}, package.id)
    model.repo.commit()
    return result


ACTIVITY_LISTS = ("package_activity_list", "organization_activity_list", "group_activity_list",
                  "user_activity_list", "recently_changed_packages_activity_list", "dashboard_activity_list")


def _chained(function: Callable[..., Any], name: str) -> Action:
    """A chained action for ``name`` that runs ``function(up_func, context, data_dict)``."""
    def action(up_func: Action, context: Context, data_dict: DataDict) -> Any:
        return function(up_func, context, data_dict)

    action.__name__ = action.__qualname__ = name
    action.__doc__ = f"CKAN's {name}, answering only with what the classification policy lets the caller see."
    return tk.side_effect_free(tk.chained_action(action))


def activity_actions() -> dict[str, Action]:
    actions = {name: _chained(_activity_list, name) for name in ACTIVITY_LISTS}
    actions["activity_show"] = _chained(_activity_show, "activity_show")
    actions["activity_data_show"] = _chained(_activity_data_show, "activity_data_show")
    actions["activity_diff"] = _chained(_activity_diff, "activity_diff")
    return actions


def get_actions() -> dict[str, Action]:
    actions: dict[str, Action] = {
        "tag_list": tag_list, "tag_search": tag_search, "tag_autocomplete": tag_autocomplete, "tag_show": tag_show,
        "resource_search": resource_search, "member_list": member_list, "package_list": package_list,
        "status_show": status_show,
        "package_owner_org_update": package_owner_org_update,
        "dataset_followee_list": dataset_followee_list, "followee_list": followee_list,
        "govcatalog_changes": harvest_action.govcatalog_changes,
        **shape.shape_checked_actions(),  # a malformed list field is a validation error, never a 500
    }
    if p.plugin_loaded("activity"):
        actions.update(activity_actions())
    if p.plugin_loaded("dcat"):
        actions.update(dcat_catalog_show=harvest_action.dcat_catalog_show,
                       dcat_catalog_search=harvest_action.dcat_catalog_search)
    return actions
