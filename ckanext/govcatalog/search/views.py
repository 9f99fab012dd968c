"""The catalog manager's synonym page: /ckan-admin/synonyms."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request

import ckan.plugins.toolkit as tk

__all__ = ["synonym_pages"]

synonym_pages = Blueprint("govcatalog_synonyms", __name__)


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user and tk.current_user.is_authenticated else None}


def _call(action: str, data: dict[str, Any]) -> bool:
    try:
        tk.get_action(action)(_context(), data)
        return True
    except tk.ValidationError as error:
        tk.h.flash_error("; ".join(m for messages in error.error_dict.values() for m in messages))
    except tk.ObjectNotFound:
        tk.h.flash_error(tk._("Synonym group not found"))
    return False


@synonym_pages.route("/ckan-admin/synonyms", methods=["GET", "POST"])
def index() -> Any:
    try:
        tk.check_access("govcatalog_synonym_list", _context())
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the catalog manager may edit the synonyms"))
    if request.method == "POST":
        form = request.form
        if form.get("delete"):
            if _call("govcatalog_synonym_delete", {"id": form["delete"]}):
                tk.h.flash_success(tk._("Synonym group removed"))
        elif form.get("id"):
            if _call("govcatalog_synonym_update", {"id": form["id"], "terms": form.get("terms", "")}):
                tk.h.flash_success(tk._("Synonym group saved"))
        elif _call("govcatalog_synonym_create", {"terms": form.get("terms", "")}):
            tk.h.flash_success(tk._("Synonym group added"))
        return tk.redirect_to("govcatalog_synonyms.index")
    groups = tk.get_action("govcatalog_synonym_list")(_context(), {})
    return tk.render("govcatalog/synonyms.html", {"groups": groups})
