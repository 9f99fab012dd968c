"""Input schemas of the workflow actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

Schema = dict[str, Any]


def transition_schema() -> Schema:
    not_empty, unicode_safe, ignore_missing = (tk.get_validator(n) for n in ("not_empty", "unicode_safe", "ignore_missing"))
    return {"id": [not_empty, unicode_safe], "reason": [ignore_missing, unicode_safe]}


def id_schema() -> Schema:
    not_empty, unicode_safe = (tk.get_validator(n) for n in ("not_empty", "unicode_safe"))
    return {"id": [not_empty, unicode_safe]}


def approver_schema() -> Schema:
    not_empty, unicode_safe = (tk.get_validator(n) for n in ("not_empty", "unicode_safe"))
    return {"id": [not_empty, unicode_safe], "username": [not_empty, unicode_safe]}


def queue_schema() -> Schema:
    ignore_missing, unicode_safe = (tk.get_validator(n) for n in ("ignore_missing", "unicode_safe"))
    return {"organization": [ignore_missing, unicode_safe], "state": [ignore_missing, unicode_safe]}
