"""Pages of the workflow: decisions from the dataset page, the approvers' queue, the audit CSV."""
from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, request

import ckan.plugins.toolkit as tk

from ckanext.govcatalog.workflow import service

__all__ = ["workflow"]

workflow = Blueprint("govcatalog_workflow", __name__)
ACTIONS = tuple(service.TRANSITIONS)


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user and tk.current_user.is_authenticated else None}


def _act(action: str, dataset_id: str, reason: str) -> bool:
    try:
        tk.get_action(f"govcatalog_workflow_{action}")(_context(), {"id": dataset_id, "reason": reason})
        return True
    except tk.ValidationError as error:
        tk.h.flash_error("; ".join(m for messages in error.error_dict.values() for m in messages))
    except tk.NotAuthorized:
        tk.h.flash_error(tk._("You are not allowed to do that"))
    except tk.ObjectNotFound:
        tk.h.flash_error(tk._("Dataset not found"))
    return False


@workflow.route("/dataset/<dataset_id>/workflow/<action>", methods=["POST"])
def decide(dataset_id: str, action: str) -> Any:
    if action not in ACTIONS:
        return tk.abort(404)
    if _act(action, dataset_id, request.form.get("reason", "")):
        tk.h.flash_success(tk._("Done: %(action)s") % {"action": tk.h.govcatalog_workflow_action_label(action)})
    return tk.redirect_to("dataset.read", id=dataset_id)


@workflow.route("/dashboard/approvals", methods=["GET", "POST"])
def queue() -> Any:
    if not (tk.current_user and tk.current_user.is_authenticated):
        return tk.redirect_to("user.login")
    if request.method == "POST":
        action = request.form.get("decision")
        chosen = request.form.getlist("dataset")
        if action in ("approve", "reject") and chosen:
            done = sum(_act(action, dataset_id, request.form.get("reason", "")) for dataset_id in chosen)
            tk.h.flash_success(tk._("%(done)s of %(total)s datasets done") % {"done": done, "total": len(chosen)})
        return tk.redirect_to("govcatalog_workflow.queue", **request.args)
    data = tk.get_action("govcatalog_workflow_queue")(_context(), {
        k: v for k, v in {"organization": request.args.get("organization")}.items() if v})
    state_filter = request.args.get("state")
    if state_filter:
        data["my_submissions"] = [d for d in data["my_submissions"] if d["workflow_state"] == state_filter]
    return tk.render("govcatalog/approvals.html", {"queue": data, "state_filter": state_filter})


@workflow.route("/dataset/<dataset_id>/workflow/history.csv")
def history_csv(dataset_id: str) -> Any:
    try:
        events = tk.get_action("govcatalog_workflow_history")(_context(), {"id": dataset_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return tk.abort(404)
    out = io.StringIO()
    columns = ["created_at", "action", "from_state", "to_state", "actor_id", "reason", "revision_digest", "override"]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(events)
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",  # BOM: Excel reads Thai correctly
                    headers={"Content-Disposition": f"attachment; filename={dataset_id}-workflow.csv"})
