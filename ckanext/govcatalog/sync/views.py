"""The sync page for catalog managers: per-target counts, records by state, bulk actions."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

import ckan.plugins.toolkit as tk

from ckanext.govcatalog.sync import registration
from ckanext.govcatalog.sync.model import STATES

__all__ = ["sync"]

sync = Blueprint("govcatalog_sync", __name__)
BULK = {"push": "govcatalog_sync_push", "withdraw": "govcatalog_sync_withdraw", "retry": "govcatalog_sync_retry"}
PAGE = 50


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user and tk.current_user.is_authenticated else None}


def _bulk() -> None:
    operation, chosen = request.form.get("operation"), request.form.getlist("dataset")
    target = request.form.get("target") or None
    try:
        if operation == "reconcile":
            tk.get_action("govcatalog_sync_reconcile")(_context(), {})
            tk.h.flash_success(tk._("Reconcile started; refresh this page in a moment"))
        elif operation == "refresh":
            tk.get_action("govcatalog_gdcatalog_refresh")(_context(), {})
            tk.h.flash_success(tk._("GD Catalog is being asked again; refresh this page in a moment"))
        elif operation in BULK and chosen:
            data = {"ids": chosen, **({"target": target} if target else {})}
            done = tk.get_action(BULK[operation])(_context(), data)["queued"]
            tk.h.flash_success(tk._("%(done)s datasets queued") % {"done": done})
        else:
            tk.h.flash_error(tk._("Choose datasets and an action"))
    except tk.ValidationError as error:
        tk.h.flash_error("; ".join(str(m) for messages in error.error_dict.values() for m in messages))
    except tk.NotAuthorized:
        tk.h.flash_error(tk._("You are not allowed to do that"))


@sync.route("/ckan-admin/sync", methods=["GET", "POST"])
def index() -> Any:
    if request.method == "POST":
        _bulk()
        return tk.redirect_to("govcatalog_sync.index", **request.args)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    filters = {k: request.args.get(k) for k in ("target", "state", "registration", "q") if request.args.get(k)}
    try:
        status = tk.get_action("govcatalog_sync_status")(_context(), dict(
            filters, limit=PAGE, offset=(page - 1) * PAGE))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only catalog managers (sysadmins) may manage the sync"))
    except tk.ValidationError:
        status = tk.get_action("govcatalog_sync_status")(_context(), {"limit": PAGE})
        filters = {}
    return tk.render("govcatalog/sync.html", {
        "status": status, "filters": filters, "page": page, "page_size": PAGE, "states": STATES,
        "registration_states": registration.ALL_STATES, "gdcatalog": bool(registration.harvester_url()),
    })


@sync.route("/dataset/delete/<id>", methods=["POST"])
def delete_dataset(id: str) -> Any:
    """The dataset page's delete form (registered before core's, so it answers its POST; the
    confirmation page stays core's). Deleting a dataset GD Catalog has registered may become a
    withdrawal request (the package_delete action decides and says so): the page then goes back
    to the dataset with that notice alone, instead of CKAN's "Dataset has been deleted."."""
    if "cancel" in request.form:
        return tk.redirect_to("dataset.edit", id=id)
    context = {"user": _context()["user"],
               "auth_user_obj": tk.current_user if tk.current_user and tk.current_user.is_authenticated else None}
    try:
        result = tk.get_action("package_delete")(context, {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Dataset not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Unauthorized to delete package %s") % "")
    if isinstance(result, dict) and result.get("withdrawal_requested"):
        return tk.redirect_to("dataset.read", id=id)
    tk.h.flash_notice(tk._("Dataset has been deleted."))
    return tk.redirect_to("dataset.search")
