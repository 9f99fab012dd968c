"""Keyset paging of the DCAT catalog (/catalog.ttl, .jsonld, .xml, .rdf and ``dcat_catalog_show``).

ckanext-dcat pages its catalog with ``?page=N``, which becomes a ``package_search`` offset: the
search must order everything before the page and skip it. Here the catalog's ``hydra:next`` link
carries a cursor instead: the (``metadata_modified``, ``id``) of the last entry of the page, in
the catalog's own order (newest change first, then id). The next page asks the search for the
entries after that key, so a harvester following ``hydra:next`` pays at page 200 about what it paid
at page 1, and an entry changed while it walks is neither skipped nor served twice within the walk
(it moves to the front, where the next run finds it).

``?page=N`` still works as in ckanext-dcat (its ``hydra:first``, ``hydra:last`` and
``hydra:previous`` links stay page links); only ``hydra:next`` becomes a cursor link. A cursor page
names ``hydra:first`` and, while entries remain, ``hydra:next``: the total and the last page are
on the page links.

Which entries the catalog holds is unchanged: the search is ckanext-dcat's own
(``_search_ckan_datasets``, with its dataset-type filters and ``modified_since``), behind the same
harvest filter (``harvestable_only``); the cursor only adds a filter on the key.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Optional
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

CURSOR_PARAM = "cursor"
# The request parameters ckanext-dcat carries from one page link to the next.
KEPT_PARAMS = ("modified_since", "profiles", "q", "fq")
CATALOG_ENDPOINT = "dcat.read_catalog"
_MODIFIED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?")
MAX_ID_LENGTH = 100


def invalid_cursor() -> tk.ValidationError:
    return tk.ValidationError({CURSOR_PARAM: [tk._(
        "Not a cursor of this catalog: follow the catalog's hydra:next link, or start again without a cursor")]})


def encode(modified: str, package_id: str) -> str:
    raw = json.dumps([modified, package_id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(cursor: Any) -> tuple[str, str]:
    """(metadata_modified, id) of a cursor; anything else is a validation error (never a 500)."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > 400:
        raise invalid_cursor()
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid_cursor() from None
    if (not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value)
            or not _MODIFIED.fullmatch(value[0]) or not 0 < len(value[1]) <= MAX_ID_LENGTH):
        raise invalid_cursor()
    return value[0], value[1]


def cursor_of(dataset: dict[str, Any]) -> Optional[str]:
    modified, package_id = dataset.get("metadata_modified"), dataset.get("id")
    if not isinstance(modified, str) or not isinstance(package_id, str):
        return None
    return encode(modified.removesuffix("Z"), package_id)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def after_filter(modified: str, package_id: str) -> str:
    """The entries after the key in the catalog's order: ``metadata_modified desc``, then the
    search backend's tie-breaker, id ascending (byte order)."""
    at, key = _quoted(modified + "Z"), _quoted(package_id)
    return f"metadata_modified:[* TO {at}}} OR (metadata_modified:[{at} TO {at}] AND id:{{{key} TO *])"


def _request_cursor() -> Any:
    """ckanext-dcat's catalog view passes only its own parameters on: read the cursor of a catalog
    page from the request itself."""
    try:
        if tk.request.endpoint == CATALOG_ENDPOINT:
            return tk.request.args.get(CURSOR_PARAM)
    except RuntimeError:  # no request (a job, the CLI)
        pass
    return None


def catalog_url(**params: Any) -> str:
    """A link to this catalog page with other paging parameters (ckanext-dcat's ``_page_url``,
    with the parameters URL-encoded)."""
    from ckanext.dcat.utils import catalog_uri

    kept = [(k, v) for k, v in tk.request.args.items() if k in KEPT_PARAMS]
    query = urlencode(kept + [(k, v) for k, v in params.items()])
    return f"{catalog_uri()}{tk.request.path}?{query}"


def catalog(action: str, context: Context, data_dict: DataDict, restrict: Any) -> Any:
    """ckanext-dcat's ``dcat_catalog_show`` / ``dcat_catalog_search``, with ``restrict`` (the harvest
    filter) applied to the search and a cursor in ``hydra:next``. A cursor that is not one is a
    validation error, answered 400 on the catalog page (ckanext-dcat's view would make it 409)."""
    from ckanext.dcat import logic as dcat_logic
    from ckanext.dcat.processors import RDFSerializer

    tk.check_access(action, context, data_dict)
    data = dict(data_dict or {})
    view_cursor = None if CURSOR_PARAM in data else _request_cursor()
    cursor = data.pop(CURSOR_PARAM, None) or view_cursor
    try:
        if cursor and data.get("page") not in (None, ""):
            raise tk.ValidationError({CURSOR_PARAM: [tk._("Give either page or cursor, not both")]})
        key = decode(cursor) if cursor else None
    except tk.ValidationError as error:
        if view_cursor:
            tk.abort(400, "; ".join(str(m) for messages in error.error_dict.values() for m in messages))
        raise
    if key is not None:
        own = data.get("fq")
        keyset = after_filter(*key)
        data["fq"] = f"({own}) AND ({keyset})" if isinstance(own, str) and own.strip() else keyset
        data["page"] = 1
    query = dcat_logic._search_ckan_datasets(context, restrict(data))
    results = query["results"]
    info: dict[str, Any]
    if key is None:
        info = dcat_logic._pagination_info(query, data)
        if info.get("next") and results:
            info["next"] = catalog_url(**{CURSOR_PARAM: cursor_of(results[-1])})
    elif not results:
        info = {}
    else:
        info = {"items_per_page": int(tk.config.get("ckanext.dcat.datasets_per_page",
                                                    dcat_logic.DATASETS_PER_PAGE)),
                "current": catalog_url(**{CURSOR_PARAM: cursor}), "first": catalog_url(page=1)}
        if query["count"] > len(results):
            info["next"] = catalog_url(**{CURSOR_PARAM: cursor_of(results[-1])})
    serializer = RDFSerializer(profiles=data.get("profiles"))
    return serializer.serialize_catalog({}, results, _format=data.get("format"), pagination_info=info)
