"""E-mail about workflow decisions, sent by a background job: never inside the web request.

On submit the organization's approvers hear of it; on a decision, the person who submitted.
An SMTP failure is retried by the job queue and never blocks or undoes a decision.
"""
from __future__ import annotations

import gettext
import logging
import os
from typing import Any, Optional

from rq import Retry

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import mailer

from ckanext.govcatalog.workflow import service
from ckanext.govcatalog.workflow.model import Approver

log = logging.getLogger(__name__)

QUEUE = "govcatalog"
RETRY = Retry(max=3, interval=[30, 120, 600])
SUBJECTS = {  # Thai first, English too: agency staff read both
    "submit": "รออนุมัติ / Waiting for approval: {title}",
    "approve": "อนุมัติแล้ว / Approved: {title}",
    "reject": "ไม่อนุมัติ / Rejected: {title}",
    "request_withdrawal": "ขอเพิกถอน / Withdrawal requested: {title}",
    "withdraw": "เพิกถอนแล้ว / Withdrawn: {title}",
}


def on_transition(package_id: str, **details: Any) -> None:
    """Signal receiver: queue the mail; if the queue itself is down, log it and go on."""
    try:
        tk.enqueue_job(send_transition_mail, [package_id, details["action"], details.get("actor_id"),
                                              details.get("reason")],
                       title=f"govcatalog workflow mail {details['action']} {package_id}", queue=QUEUE,
                       rq_kwargs={"retry": RETRY})
    except Exception:  # the decision stands whatever happens to its notification
        log.exception("Could not queue the workflow mail for %s", package_id)


def recipients(package: model.Package, action: str) -> list[model.User]:
    if action in ("submit", "request_withdrawal"):
        admins = model.Session.query(model.User).join(model.Member, model.Member.table_id == model.User.id).filter(
            model.Member.group_id == package.owner_org, model.Member.table_name == "user",
            model.Member.capacity == "admin", model.Member.state == "active")
        named = model.Session.query(model.User).join(Approver, Approver.user_id == model.User.id).filter(
            Approver.organization_id == package.owner_org)
        users = {u.id: u for u in list(admins) + list(named)}
    else:
        submitter = service.last_submitter(package.id) or _last_submitter_from_history(package.id)
        user = model.User.get(submitter) if submitter else None
        users = {user.id: user} if user else {}
    return [u for u in users.values() if u.email and u.state == "active"]


def _last_submitter_from_history(package_id: str) -> Optional[str]:
    from ckanext.govcatalog.workflow.model import WorkflowEvent

    event = model.Session.query(WorkflowEvent).filter(
        WorkflowEvent.package_id == package_id, WorkflowEvent.action.in_(("submit", "submit_revision"))
    ).order_by(WorkflowEvent.id.desc()).first()
    return event.actor_id if event else None


def send_transition_mail(package_id: str, action: str, actor_id: Optional[str], reason: Optional[str]) -> int:
    """The job: one mail per recipient; raises on SMTP failure so that the queue retries."""
    package = model.Package.get(package_id)
    if package is None:
        return 0
    actor = model.User.get(actor_id) if actor_id else None
    link = tk.config.get("ckan.site_url", "").rstrip("/") + f"/dataset/{package.name}#workflow"
    body = "\n".join(filter(None, [
        f"{package.title}",
        " / ".join(in_language(service.STATE_NAMES.get(service.state_of(package), ""), lang) for lang in ("th", "en")),
        f"โดย / by: {actor.display_name}" if actor else None,
        f"เหตุผล / reason: {reason}" if reason else None,
        link,
    ]))
    sent = 0
    for user in recipients(package, action):
        mailer.mail_recipient(user.display_name, user.email, SUBJECTS[action].format(title=package.title), body)
        sent += 1
    return sent


I18N_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "i18n")


def in_language(message: str, language: str) -> str:
    """A message of our catalogs in a given language, without a request (mail goes to both)."""
    catalog = gettext.translation("ckanext-govcatalog", localedir=I18N_DIR, languages=[language], fallback=True)
    return catalog.gettext(message) if message else message
