"""Input schemas of the workflow actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

Schema = dict[str, Any]


def text_only(value: Any) -> Any:
    """Text, not a number, list or object (unicode_safe would turn those into text silently)."""
    if not isinstance(value, str):
        raise tk.Invalid(tk._("Must be text"))
    return value


def transition_schema() -> Schema:
    not_empty, unicode_safe, ignore_missing = (
        tk.get_validator(n) for n in ("not_empty", "unicode_safe", "ignore_missing"))
    return {"id": [not_empty, text_only, unicode_safe], "reason": [ignore_missing, text_only, unicode_safe]}


def id_schema() -> Schema:
    not_empty, unicode_safe = (tk.get_validator(n) for n in ("not_empty", "unicode_safe"))
    return {"id": [not_empty, unicode_safe]}


def approver_schema() -> Schema:
    not_empty, unicode_safe = (tk.get_validator(n) for n in ("not_empty", "unicode_safe"))
    return {"id": [not_empty, unicode_safe], "username": [not_empty, unicode_safe]}


def queue_schema() -> Schema:
    ignore_missing, unicode_safe = (tk.get_validator(n) for n in ("ignore_missing", "unicode_safe"))
    return {"organization": [ignore_missing, unicode_safe], "state": [ignore_missing, unicode_safe]}
