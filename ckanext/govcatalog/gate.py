"""The gate in front of every request: what is sysadmin-only, or not reviewed at all, stops here,
and so does input that no action can take (NUL characters, an id that is not text).

Each request is matched to its surface in ``surfaces.py`` (the action of an API call, else the
route's endpoint) before any view or action runs. Sysadmins pass; anyone else is refused a
surface marked ``sysadmin`` or missing from the table. That makes a new plugin's pages and
actions closed until someone reviews them, instead of open until someone notices.
"""
from __future__ import annotations

import functools
import inspect
import re
from typing import Any, Optional, Union

import flask
from werkzeug import exceptions

import ckan.logic as logic
import ckan.plugins.toolkit as tk

from . import surfaces


def _is_sysadmin() -> bool:
    user = tk.current_user
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "sysadmin", False))


def _registered(action: str) -> bool:
    try:
        logic.get_action(action)
    except KeyError:  # CKAN answers 'Action name not known' itself
        return False
    return True


@functools.lru_cache(maxsize=None)
def _takes_context_and_data(function: Any) -> bool:
    """Whether a registered "action" can be called as one: ckanext-harvest also exports helpers such
    as send_mail(recipients, subject, body), which the API can only crash on."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    return any(p.kind is p.VAR_POSITIONAL for p in parameters) or len(required) <= 2 <= len(positional)


def _not_an_action(action: str) -> bool:
    return _registered(action) and not _takes_context_and_data(logic.get_action(action))


def _api_error(status: int, error: dict[str, Any]) -> flask.Response:
    """An answer shaped like CKAN's own API errors."""
    body = {"success": False, "help": "", "error": error}
    return flask.make_response(flask.json.dumps(body), status, {"Content-Type": "application/json;charset=utf-8"})


def _api_refusal(action: str) -> flask.Response:
    message = tk._("Access denied: %(action)s is open to system administrators only") % {"action": action}
    return _api_error(403, {"__type": "Authorization Error", "message": message})


def _api_not_an_action(action: str) -> flask.Response:
    message = tk._("%(action)s is a helper of a plugin, not an action of the API") % {"action": action}
    return _api_error(400, {"__type": "Validation Error", "message": message})


# Routes that CKAN registers but whose view cannot work: a clear 404 instead of a crash.
BROKEN_ROUTES = {
    "group.bulk_process": "groups have no bulk actions; organizations do",
}
# A page view that lets one of these escape would answer 500; they are the caller's doing.
LOGIC_ERRORS_AS_HTTP = {
    logic.NotFound: exceptions.NotFound,
    logic.NotAuthorized: exceptions.Forbidden,
    logic.ValidationError: exceptions.BadRequest,
}


# Parameters that name one object: text or nothing (core looks them up as given; a list or a
# number there is an SQL error, a 500).
ID_KEYS = ("id", "name", "package_id", "resource_id", "group_id", "org_id", "owner_org", "object",
           "user_id", "username", "view_id")


# NUL, and halves of surrogate pairs (JSON "\ud800"): PostgreSQL text cannot hold them, UTF-8 cannot
# encode the latter; either is a 500 deep in core or in our own writes.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text(value: Any) -> bool:
    """Text anywhere in the request that no database column can store."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(unstorable_text(k) or unstorable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable_text(v) for v in value)
    return False


def _request_data() -> dict[str, Any]:
    data: dict[str, Any] = dict(flask.request.args)
    if flask.request.method == "POST":
        body = flask.request.get_json(silent=True) if flask.request.is_json else None
        data.update(body if isinstance(body, dict) else flask.request.form.to_dict())
    return data


# Paging and counting parameters: a whole number within PostgreSQL's integer (inf, NaN, 2**70 or an
# object there is a 500 in core's activity, list, tag and autocomplete actions).
NUMBER_KEYS = ("limit", "offset", "rows", "start", "page")
MAX_NUMBER = 2**31 - 1
_WHOLE_NUMBER = re.compile(r"^\s*[-+]?\d+\s*$")
# Parameters core reads as text (a number or an object there is a 500 in its list actions).
TEXT_KEYS = ("q", "sort", "state")
# Parameters some core actions read without checking that they were given (a KeyError, a 500);
# a tuple is "one of these".
REQUIRED_KEYS: dict[str, tuple[Union[str, tuple[str, ...]], ...]] = {
    "group_autocomplete": ("q",),
    "organization_autocomplete": ("q",),
    "group_member_delete": ("id", ("username", "user_id")),
    "organization_member_delete": ("id", ("username", "user_id")),
}


def _missing_keys(action: str, data: dict[str, Any]) -> dict[str, list[str]]:
    missing = {}
    for required in REQUIRED_KEYS.get(action, ()):
        names = required if isinstance(required, tuple) else (required,)
        if all(data.get(name) in (None, "") for name in names):
            missing[names[0]] = [tk._("Missing value")]
    return missing


def _whole_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= MAX_NUMBER
    if isinstance(value, str):
        return value == "" or (_WHOLE_NUMBER.match(value) is not None and abs(int(value)) <= MAX_NUMBER)
    return False


def malformed_input(action: str = "") -> Optional[dict[str, list[str]]]:
    """Validation errors for input no action can take, before any action sees it."""
    data = _request_data()
    errors = _missing_keys(action, data)
    errors |= {key: [tk._("Must be text")] for key in ID_KEYS + TEXT_KEYS
              if key in data and data[key] is not None and not isinstance(data[key], str)}
    errors.update({key: [tk._("Must be a whole number up to {limit}").format(limit=f"{MAX_NUMBER:,}")]
                   for key in NUMBER_KEYS if key in data and data[key] is not None and not _whole_number(data[key])})
    if unstorable_text(data) or unstorable_text(flask.request.path):
        errors["__before"] = [tk._("Text may not hold NUL characters or unpaired surrogates")]
    return errors or None


def _api_validation_error(errors: dict[str, list[str]]) -> flask.Response:
    return _api_error(409, dict(errors, __type="Validation Error"))


def refuse_unreviewed() -> Optional[Any]:
    """A Flask ``before_request`` hook: None lets the request through."""
    endpoint = flask.request.endpoint
    if endpoint in BROKEN_ROUTES:
        return tk.abort(404, tk._("Not found"))
    if endpoint == "api.action":
        return _check_action_call()
    if endpoint is None or _is_sysadmin() or not surfaces.sysadmin_only_route(endpoint):
        return None
    return tk.abort(403, tk._("This page is open to system administrators only"))


def _check_action_call() -> Optional[flask.Response]:
    """Sysadmin-only and unreviewed actions for sysadmins only; malformed input for nobody."""
    action = (flask.request.view_args or {}).get("logic_function", "")
    if not _is_sysadmin() and _registered(action) and surfaces.sysadmin_only_action(action):
        return _api_refusal(action)
    if _not_an_action(action):
        return _api_not_an_action(action)
    errors = malformed_input(action)
    return _api_validation_error(errors) if errors else None


def _logic_error_handler(app: flask.Flask, http_error: type[exceptions.HTTPException]) -> Any:
    def handle(error: Exception) -> Any:
        message = getattr(error, "error_summary", None) or str(error) or None
        return app.handle_http_exception(http_error(description=str(message) if message else None))
    return handle


def install(app: Any) -> Any:
    """Register the gate, and the answers to logic errors that page views let escape, on CKAN's
    Flask application (IMiddleware.make_middleware)."""
    if isinstance(app, flask.Flask) and refuse_unreviewed not in app.before_request_funcs.get(None, []):
        app.before_request(refuse_unreviewed)
        for logic_error, http_error in LOGIC_ERRORS_AS_HTTP.items():
            app.register_error_handler(logic_error, _logic_error_handler(app, http_error))
    return app
