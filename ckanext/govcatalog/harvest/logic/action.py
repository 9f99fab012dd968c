"""The change feed action (``govcatalog_changes``), registered by the base plugin: always on."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govcatalog import access, policy
from ckanext.govcatalog.harvest import feed, paging

__all__ = ["govcatalog_changes", "dcat_catalog_show", "dcat_catalog_search"]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def changes_schema() -> dict[str, Any]:
    ignore_missing = tk.get_validator("ignore_missing")
    return {"since": [ignore_missing, whole_number(0, None)], "limit": [ignore_missing, whole_number(1, MAX_LIMIT)]}


def whole_number(minimum: int, maximum: int | None) -> Any:
    """A whole number (or its digits as text) within bounds; anything else is a validation error."""
    def validator(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            raise tk.Invalid(tk._("Must be a whole number"))
        number = int(str(value).strip())
        if number < minimum:
            raise tk.Invalid(tk._("Must be at least {minimum}").format(minimum=minimum))
        if maximum is not None and number > maximum:
            raise tk.Invalid(tk._("Must be at most {maximum}").format(maximum=maximum))
        return number
    return validator


@tk.side_effect_free
def govcatalog_changes(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Datasets created, updated, withdrawn or deleted since a cursor, as the caller may see them:
    the change feed that harvesters follow instead of crawling the whole catalog.

    Each change names the dataset by id only; fetch it with ``package_show`` (created, updated) or
    remove your copy (withdrawn, deleted). The feed is filtered by the classification policy for
    the caller: a change to a dataset the caller may not pull (not published, top secret, the owner
    withheld consent with ``allow_harvest`` "False"; harvest accounts get only what may be
    harvested, an organization's members also their own) appears as ``withdrawn`` (or
    ``deleted``) to callers that may have had it, and not at all to others. Changes are kept
    ``ckanext.govcatalog.changes.retention_days`` days (default 90; the latest change of every
    dataset that still exists is always kept); when ``resync`` is true, changes after your cursor
    were dropped: crawl the catalog again (``package_search``) and go on from ``next_since``.

    :param since: the cursor after which to list changes (``next_since`` of the last page;
        default 0: from the start)
    :type since: int
    :param limit: how many changes at most (default 100, at most 1000); a page may hold fewer
        (changes the caller may not see are skipped): go on while ``more`` is true
    :type limit: int
    :returns: ``{"changes": [{"cursor", "id", "change", "at", "metadata_modified"}], "next_since",
        "more", "resync", "retention_days"}``; ``change`` is ``created``, ``updated``, ``withdrawn``
        or ``deleted``; ``metadata_modified`` is null for withdrawals and deletions.

    Example::

        $ curl 'https://catalog.example.go.th/api/3/action/govcatalog_changes?since=0&limit=2'
        {"success": true, "result": {"changes": [
            {"cursor": 17, "id": "0b6c...", "change": "created", "at": "2026-12-03T09:00:00+00:00",
             "metadata_modified": "2026-12-03T09:00:00.123456"},
            {"cursor": 18, "id": "5e21...", "change": "withdrawn", "at": "2026-12-03T09:05:00+00:00",
             "metadata_modified": null}],
          "next_since": 18, "more": true, "resync": false, "retention_days": 90}}
        $ curl 'https://catalog.example.go.th/api/3/action/govcatalog_changes?since=18&limit=2'
    """
    tk.check_access("govcatalog_changes", context, data_dict)
    data, errors = tk.navl_validate(dict(data_dict or {}), changes_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    user = access.user_facts(access.user_from_context(context))
    page = feed.read(int(data.get("since") or 0), int(data.get("limit") or DEFAULT_LIMIT), user)
    return {"changes": page.changes, "next_since": page.next_since, "more": page.more, "resync": page.resync,
            "retention_days": feed.retention_days()}


def harvestable_only(data_dict: DataDict) -> dict[str, Any]:
    """The DCAT catalog is what national harvesters read: only entries that may be harvested
    (published, consented, not top secret), whoever asks; the caller's own filter still applies."""
    data = dict(data_dict or {})
    own = data.get("fq")
    data["fq"] = f"+permission_labels:{policy.HARVEST_LABEL}" + (f" +({own})" if isinstance(own, str) and own.strip()
                                                                  else "")
    return data


@tk.chained_action
@tk.side_effect_free
def dcat_catalog_show(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """ckanext-dcat's catalog (/catalog.ttl, .jsonld, .xml, .rdf): entries that may be harvested only,
    paged by a cursor in ``hydra:next`` (``?cursor=``; ``?page=`` still works): see paging.py.
    ckanext-dcat's own action is not called: its paging links cannot be changed from outside; the
    search and the serializer are its own."""
    return paging.catalog("dcat_catalog_show", context, data_dict, harvestable_only)


@tk.chained_action
@tk.side_effect_free
def dcat_catalog_search(up_func: Any, context: Context, data_dict: DataDict) -> Any:
    """ckanext-dcat's catalog search: entries that may be harvested only, paged as the catalog."""
    return paging.catalog("dcat_catalog_search", context, data_dict, harvestable_only)
