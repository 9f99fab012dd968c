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
import datetime
import hashlib
import json

import flask
from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govcatalog import access, policy

from .model import WorkflowEvent, WorkflowRecord

DRAFT = "draft"
PENDING = "pending"
PUBLISHED = policy.PUBLISHED
REJECTED = "rejected"
WITHDRAWAL_REQUESTED = "withdrawal_requested"
WITHDRAWN = "withdrawn"
STATES = (DRAFT, PENDING, PUBLISHED, REJECTED, WITHDRAWAL_REQUESTED, WITHDRAWN)
STATE_NAMES = {  # Thai, English
    DRAFT: ("ร่าง", "Draft"),
    PENDING: ("รออนุมัติ", "Pending approval"),
    PUBLISHED: ("เผยแพร่", "Published"),
    REJECTED: ("ไม่อนุมัติ", "Rejected"),
    WITHDRAWAL_REQUESTED: ("ขอเพิกถอน", "Withdrawal requested"),
    WITHDRAWN: ("เพิกถอน", "Withdrawn"),
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
    """The state's name in the reader's language (Thai or English)."""
    thai, english = STATE_NAMES.get(state, (state, state))
    return thai if flask.has_request_context() and tk.h.lang() == "th" else english


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


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
        record = WorkflowRecord(package_id=package.id, state=state_of(package), updated_at=_now())
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
              override: bool = False) -> WorkflowEvent:
    event = WorkflowEvent(package_id=package.id, organization_id=package.owner_org, actor_id=actor_id,
                          action=action, from_state=from_state, to_state=to_state, reason=reason,
                          revision_digest=revision_digest, override=override, created_at=_now())
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


def check_four_eyes(package: model.Package, actor: policy.UserFacts) -> bool:
    """Nobody decides on their own submission; a sysadmin may, and that is recorded as an override."""
    if actor.id is None or last_submitter(package.id) != actor.id:
        return False
    if actor.sysadmin:
        return True
    raise WorkflowError(tk._("You cannot approve or reject your own submission; another approver must decide"))


def sync_disclosure(package: model.Package, state: str) -> None:
    """CKAN's own private flag follows the workflow and the policy: nothing is public before
    approval, and top secret never is."""
    facts = dataclasses.replace(access.dataset_facts(package), workflow_state=state)
    package.private = not policy.may_be_listed_publicly(facts)


def transition(package: model.Package, action: str, actor: policy.UserFacts, reason: Optional[str]) -> str:
    spec = TRANSITIONS[action]
    record = record_for(package)
    current = record.state
    pending_revision = record.pending_revision is not None and current in policy.DISCLOSED_STATES
    if action in ("approve", "reject") and pending_revision:
        return decide_revision(package, record, action, actor, reason)
    if current not in spec.sources:
        raise WorkflowError(tk._("This dataset is %(state)s; it cannot be %(action)s now")
                            % {"state": state_name(current), "action": action.replace("_", " ")})
    if spec.reason_required and not (reason or "").strip():
        raise WorkflowError(tk._("Please give a reason"))
    override = check_four_eyes(package, actor) if spec.by_approver else False
    record.state = spec.target
    record.updated_at = _now()
    if action == "submit":
        record.submitted_by, record.submitted_at = actor.id, _now()
    sync_disclosure(package, spec.target)
    approved_digest = None
    if action == "approve":
        approved_digest = digest(tk.get_action("package_show")(
            {"ignore_auth": True, "use_cache": False, "for_view": False}, {"id": package.id}))
    log_event(package, actor.id, action, current, spec.target, reason, approved_digest, override)
    return spec.target


def decide_revision(package: model.Package, record: WorkflowRecord, action: str, actor: policy.UserFacts,
                    reason: Optional[str]) -> str:
    """Approve (apply atomically) or reject (discard) the pending revision of a published dataset."""
    if action == "reject" and not (reason or "").strip():
        raise WorkflowError(tk._("Please give a reason"))
    override = check_four_eyes(package, actor)
    revision = dict(record.pending_revision)
    base = record.pending_base
    record.pending_revision = record.pending_by = record.pending_at = record.pending_base = None
    record.updated_at = _now()
    log_event(package, actor.id, f"{action}_revision", record.state, record.state, reason,
              digest(revision), override)
    if action == "approve":
        live_modified = package.metadata_modified.isoformat() if package.metadata_modified else None
        if base and live_modified != base:
            model.Session.rollback()
            raise WorkflowError(tk._("The dataset changed after this revision was made; "
                                     "ask the editor to submit the change again"))
        # package_update commits: the revision and the record/audit changes above land together
        apply_revision(revision)
    return record.state


APPLYING = "govcatalog_applying_revision"


def apply_revision(revision: dict[str, Any]) -> None:
    """Write the approved revision (package_update validates it again, reindexes and commits)."""
    context = {"ignore_auth": True, "user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"],
               APPLYING: True}
    tk.get_action("package_update")(context, revision)


def level_rank(level: Optional[str]) -> int:
    """Higher is stricter (an unknown level counts as internal, as the policy treats it)."""
    return policy.LEVELS.index(policy.effective_level(level))


def stage_revision(update: Any, context: dict[str, Any], data_dict: dict[str, Any],
                   package: model.Package) -> dict[str, Any]:
    """An edit to a published dataset: validate it without saving, apply a tightened level at
    once, and keep the rest as the pending revision (the public keeps the approved version)."""
    tk.check_access("package_update", context, data_dict)
    actor = access.user_facts(access.user_from_context(context))
    record = record_for(package)
    if record.pending_revision is not None and record.pending_by != actor.id:
        raise WorkflowError(tk._("Another edit of this dataset is waiting for approval; "
                                 "it must be approved or rejected before a new one"))
    live = _show(package.id)
    candidate = _validated_candidate(update, context, data_dict, package.id)
    # publication belongs to the workflow: an edit cannot (un)publish through CKAN's own state
    candidate["state"] = live["state"]
    if level_rank(candidate.get("data_classification")) > level_rank(live.get("data_classification")):
        tightened = dict(live, data_classification=candidate.get("data_classification"),
                         data_category=candidate.get("data_category"))
        log_event(package, actor.id, "tighten_level", record.state, record.state,
                  f"{live.get('data_classification')} -> {candidate.get('data_classification')}")
        update(dict(context, **{APPLYING: True}), tightened)  # commits, with the event
        record = record_for(model.Package.get(package.id))
        live = _show(package.id)
    if digest(candidate) != digest(live):
        record.pending_revision = candidate
        record.pending_by, record.pending_at = actor.id, _now()
        record.pending_base = model.Package.get(package.id).metadata_modified.isoformat()
        record.updated_at = _now()
        log_event(package, actor.id, "submit_revision", record.state, record.state, None, digest(candidate))
    # the live dataset is unchanged (a tightening was saved and indexed by package_update itself),
    # so neither a reindex nor another package_show is needed
    model.repo.commit()
    return dict(live, workflow_pending_revision=record.pending_revision is not None)


def _show(package_id: str) -> dict[str, Any]:
    return tk.get_action("package_show")({"ignore_auth": True, "use_cache": False}, {"id": package_id})


def _validated_candidate(update: Any, context: dict[str, Any], data_dict: dict[str, Any],
                         package_id: str) -> dict[str, Any]:
    """The dataset as this edit would make it, validated by the schema, and not saved.

    With defer_commit, CKAN's package_update rolls its own savepoint back and returns the dict
    it would have saved: exactly the candidate revision.
    """
    candidate = update(dict(context, **{APPLYING: True, "defer_commit": True}), dict(data_dict))
    model.Session.expire_all()
    return dict(candidate)


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
