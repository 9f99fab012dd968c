"""Shape checks that run before CKAN validates a dataset.

CKAN answers a list-of-objects field given as anything else (``"resources": "x"``, a dict, a number)
with a DataError (HTTP 400) whose reply echoes the request; when the request also holds a NaN or an
infinity, echoing it fails and the reply is a 500. Checked first, such a field is a named validation
error (HTTP 409) like any other.

Wired by the base plugin (logic/action.py): ``package_create`` and ``package_update`` are chained
(``package_patch`` and ``package_revise`` end in ``package_update``).
"""
from __future__ import annotations

from typing import Any, Callable

import ckan.plugins.toolkit as tk

# Fields CKAN's dataset schema validates as lists of objects (subschemas).
LIST_OF_OBJECTS = ("resources", "tags", "extras", "groups", "relationships_as_subject", "relationships_as_object")

Action = Callable[[dict[str, Any], dict[str, Any]], Any]


def shape_errors(data_dict: dict[str, Any]) -> dict[str, list[Any]]:
    """The list-of-objects fields whose value is neither missing nor a list of objects."""
    errors: dict[str, list[Any]] = {}
    for key in LIST_OF_OBJECTS:
        value = data_dict.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            message = tk._("Must be a list of objects")
            # ValidationError reshapes tag errors from per-tag dicts: give it one
            errors[key] = [{"name": [message]}] if key == "tags" else [message]
    return errors


def check_shape(data_dict: Any) -> None:
    if not isinstance(data_dict, dict):
        raise tk.ValidationError({"__before": [tk._("Must be an object")]})
    errors = shape_errors(data_dict)
    if errors:
        raise tk.ValidationError(errors)


@tk.chained_action
def package_create(next_action: Action, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    check_shape(data_dict)
    return next_action(context, data_dict)


@tk.chained_action
def package_update(next_action: Action, context: dict[str, Any], data_dict: dict[str, Any]) -> Any:
    check_shape(data_dict)
    return next_action(context, data_dict)


def shape_checked_actions() -> dict[str, Any]:
    """For ``IActions.get_actions``: the dataset write actions, shape-checked first."""
    return {"package_create": package_create, "package_update": package_update}
