"""The publish-approval state machine.

    draft (ร่าง) --submit--> pending (รออนุมัติ) --approve--> published (เผยแพร่)
                                  \\--reject--> rejected (ไม่อนุมัติ) --submit--> pending
    published --request_withdrawal--> withdrawal_requested --withdraw--> withdrawn (เพิกถอน)
    published --withdraw--> withdrawn --submit--> pending

A published dataset stays published while an edit to it waits for approval as a pending revision;
approve/reject then decide that revision. Only the transitions below change what is disclosed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json

import flask
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govcatalog import access, policy
from ckanext.govcatalog.helpers import N_

from .model import WorkflowEvent, WorkflowRecord, now

DRAFT = "draft"
PENDING = "pending"
PUBLISHED = policy.PUBLISHED
REJECTED = "rejected"
WITHDRAWAL_REQUESTED = "withdrawal_requested"
WITHDRAWN = "withdrawn"
STATES = (DRAFT, PENDING, PUBLISHED, REJECTED, WITHDRAWAL_REQUESTED, WITHDRAWN)
STATE_NAMES = {  # English msgids; the Thai names are in the gettext catalogs
    DRAFT: N_("Draft"),
    PENDING: N_("Pending approval"),
    PUBLISHED: N_("Published"),
    REJECTED: N_("Rejected"),
    WITHDRAWAL_REQUESTED: N_("Withdrawal requested"),
    WITHDRAWN: N_("Withdrawn"),
}


@dataclasses.dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    by_approver: bool  # approvers decide; editors prepare
    reason_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({DRAFT, REJECTED, WITHDRAWN}), PENDING, by_approver=False),
    "approve": Transition(frozenset({PENDING}), PUBLISHED, by_approver=True),
    "reject": Transition(frozenset({PENDING}), REJECTED, by_approver=True, reason_required=True),
    "request_withdrawal": Transition(frozenset({PUBLISHED}), WITHDRAWAL_REQUESTED, by_approver=False),
    "withdraw": Transition(frozenset({PUBLISHED, WITHDRAWAL_REQUESTED}), WITHDRAWN, by_approver=True,
                           reason_required=True),
}


class WorkflowError(tk.ValidationError):
    """A transition that is not possible now: a clear, translated 409 for the API."""

    def __init__(self, message: str) -> None:
        super().__init__({"workflow": [message]})


def state_name(state: str) -> str:
    """The state's name in the reader's language (outside a request: English)."""
    name = STATE_NAMES.get(state, state)
    return tk._(name) if flask.has_request_context() else name


def state_of(package: model.Package) -> str:
    """The dataset's workflow state; datasets from before the workflow keep what CKAN said."""
    record = WorkflowRecord.get(package.id)
    if record is not None:
        return record.state
    return PUBLISHED if package.state == "active" and not package.private else DRAFT


def is_disclosed_state(state: str) -> bool:
    return state in policy.DISCLOSED_STATES


def record_for(package: model.Package) -> WorkflowRecord:
    record = WorkflowRecord.get(package.id)
    if record is None:
        record = WorkflowRecord(package_id=package.id, state=state_of(package), updated_at=now())
        model.Session.add(record)
    return record


def digest(package_dict: dict[str, Any]) -> str:
    """What was approved, as a stable fingerprint (the audit trail keeps it)."""
    ignored = {"metadata_modified", "workflow_state", "workflow_pending_revision", "revision_id"}
    canonical = json.dumps({k: v for k, v in package_dict.items() if k not in ignored},
                           sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def log_event(package: model.Package, actor_id: Optional[str], action: str, from_state: Optional[str],
              to_state: Optional[str], reason: Optional[str] = None, revision_digest: Optional[str] = None,
              override: bool = False, authors: Optional[list[str]] = None) -> WorkflowEvent:
    event = WorkflowEvent(package_id=package.id, organization_id=package.owner_org, actor_id=actor_id,
                          action=action, from_state=from_state, to_state=to_state, reason=reason,
                          revision_digest=revision_digest, override=override, authors=authors, created_at=now())
    model.Session.add(event)
    return event


def is_approver(user: policy.UserFacts, organization_id: Optional[str]) -> bool:
    """The organization's admins, the approvers it named, and sysadmins."""
    return user.sysadmin or (organization_id is not None and (
        user.role_in(organization_id) == "admin" or organization_id in user.approver_of))


def last_submitter(package_id: str) -> Optional[str]:
    """Who asked for the decision now pending: the last submit, or the pending revision's author."""
    record = WorkflowRecord.get(package_id)
    if record is not None and record.pending_revision is not None:
        return record.pending_by
    return record.submitted_by if record is not None else None


def add_author(package: model.Package, user_id: Optional[str]) -> None:
    """Remember who wrote content that is not approved yet (none of them may approve it)."""
    record = record_for(package)
    if user_id and user_id not in (record.authors or []):
        record.authors = [*(record.authors or []), user_id]


def content_authors(package: model.Package) -> list[str]:
    """Everyone who wrote the content now waiting for a decision, and who submitted it (records
    from before authors were kept name only the submitter)."""
    record = WorkflowRecord.get(package.id)
    authors = set(record.authors or []) if record is not None else set()
    submitter = last_submitter(package.id)
    return sorted(authors | ({submitter} if submitter else set()))


def check_four_eyes(package: model.Package, actor: policy.UserFacts, action: str) -> bool:
    """Nobody decides on their own submission, nor approves content they wrote; a sysadmin may,
    and that is recorded as an override."""
    involved = set(content_authors(package)) if action == "approve" else {last_submitter(package.id)}
    if actor.id is None or actor.id not in involved:
        return False
    if actor.sysadmin:
        return True
    raise WorkflowError(tk._("You cannot approve your own submission or content you wrote, nor reject "
                             "your own submission; another approver must decide"))


def sync_disclosure(package: model.Package, state: str) -> None:
    """CKAN's own private flag follows the workflow and the policy: nothing is public before
    approval, and top secret never is."""
    facts = dataclasses.replace(access.dataset_facts(package), workflow_state=state)
    package.private = not policy.may_be_listed_publicly(facts)


def transition(package: model.Package, action: str, actor: policy.UserFacts, reason: Optional[str]) -> str:
    """Move the dataset itself (revisions of a disclosed dataset are decided in revisions.py)."""
    spec = TRANSITIONS[action]
    record = record_for(package)
    current = record.state
    if current not in spec.sources:
        raise WorkflowError(tk._("This dataset is %(state)s; it cannot be %(action)s now")
                            % {"state": state_name(current), "action": action.replace("_", " ")})
    require_reason(spec.reason_required, reason)
    override = check_four_eyes(package, actor, action) if spec.by_approver else False
    record.state = spec.target
    record.updated_at = now()
    if action == "submit":
        record.submitted_by, record.submitted_at = actor.id, now()
    sync_disclosure(package, spec.target)
    approved_digest, authors = None, None
    if action == "approve":
        approved_digest = digest(tk.get_action("package_show")(
            {"ignore_auth": True, "use_cache": False, "for_view": False}, {"id": package.id}))
        authors = content_authors(package)
        record.authors = []  # approved: nothing unreviewed is left
    log_event(package, actor.id, action, current, spec.target, reason, approved_digest, override, authors)
    return spec.target


def require_reason(required: bool, reason: Optional[str]) -> None:
    if required and not (reason or "").strip():
        raise WorkflowError(tk._("Please give a reason"))


APPLYING = "govcatalog_applying_revision"


def level_rank(level: Optional[str]) -> int:
    """Higher is stricter (an unknown level counts as internal, as the policy treats it)."""
    return policy.LEVELS.index(policy.effective_level(level))


def revision_diff(live: dict[str, Any], revision: dict[str, Any], fields: list[dict[str, Any]]) -> dict[str, Any]:
    """Field by field, with the schema's labels: what the pending revision would change, and
    which resources it adds, changes or removes."""
    changes = []
    for field_ in fields:
        name = field_["field_name"]
        if name in ("id",) or live.get(name) == revision.get(name):
            continue
        if live.get(name) in (None, "", []) and revision.get(name) in (None, "", []):
            continue
        changes.append({"field": name, "label": field_.get("label", name),
                        "old": live.get(name), "new": revision.get(name)})
    live_resources = {r["id"]: r for r in live.get("resources", []) if r.get("id")}
    new_resources = {r.get("id"): r for r in revision.get("resources", [])}
    resources = {
        "added": [r for rid, r in new_resources.items() if rid not in live_resources],
        "removed": [r for rid, r in live_resources.items() if rid not in new_resources],
        "changed": [r for rid, r in new_resources.items()
                    if rid in live_resources and digest(r) != digest(live_resources[rid])],
    }
    return {"fields": changes, "resources": resources}
