"""Input schemas of the sync actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.govcatalog.sync import targets
from ckanext.govcatalog.sync.model import STATES

Schema = dict[str, Any]
MAX_IDS = 1000


def text_only(value: Any) -> Any:
    if not isinstance(value, str) or "\x00" in value:
        raise tk.Invalid(tk._("Must be text"))
    return value


def id_list(value: Any) -> list[str]:
    """A list of dataset ids or names (a single one is taken as a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or len(value) > MAX_IDS \
            or not all(isinstance(v, str) and v and "\x00" not in v for v in value):
        raise tk.Invalid(tk._("Give a list of 1 to %(max)s dataset ids") % {"max": MAX_IDS})
    return list(dict.fromkeys(value))


def known_target(value: Any) -> Any:
    text_only(value)
    if value not in targets.names():
        raise tk.Invalid(tk._("No sync target named %(name)s") % {"name": value})
    return value


def known_state(value: Any) -> Any:
    if value not in STATES:
        raise tk.Invalid(tk._("Unknown sync state"))
    return value


def known_registration(value: Any) -> Any:
    from ckanext.govcatalog.sync.registration import ALL_STATES

    if value not in ALL_STATES:
        raise tk.Invalid(tk._("Unknown registration state"))
    return value


def _v(*names: str) -> list[Any]:
    return [tk.get_validator(n) for n in names]


def selection_schema() -> Schema:
    not_empty, ignore_missing = _v("not_empty", "ignore_missing")
    return {"ids": [not_empty, id_list], "target": [ignore_missing, known_target]}


def status_schema() -> Schema:
    ignore_missing, int_validator, natural = _v("ignore_missing", "int_validator", "natural_number_validator")
    limit_ok = tk.get_validator("limit_to_configured_maximum")("ckan.search.rows_max", 1000)
    return {
        "target": [ignore_missing, known_target],
        "state": [ignore_missing, known_state],
        "registration": [ignore_missing, known_registration],
        "q": [ignore_missing, text_only],
        "limit": [ignore_missing, int_validator, natural, limit_ok],
        "offset": [ignore_missing, int_validator, natural],
    }


def id_schema() -> Schema:
    not_empty, unicode_safe = _v("not_empty", "unicode_safe")
    return {"id": [not_empty, text_only, unicode_safe]}


def reconcile_schema() -> Schema:
    ignore_missing, boolean = _v("ignore_missing", "boolean_validator")
    return {"dry_run": [ignore_missing, boolean]}
