"""Tables of the publish-approval workflow (created by migrations/govcatalog_workflow)."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from sqlalchemy import BigInteger, Boolean, Column, Text, types
from sqlalchemy.dialects.postgresql import JSONB

import ckan.model as model
import ckan.plugins.toolkit as tk
from ..clock import now



class WorkflowRecord(tk.BaseModel):
    """A dataset's place in the workflow, and the revision of a published dataset awaiting approval."""

    __tablename__ = "govcatalog_workflow"

    package_id: Any = Column(Text, primary_key=True)
    state: Any = Column(Text, nullable=False)
    submitted_by: Any = Column(Text)
    submitted_at: Any = Column(types.DateTime(timezone=True))
    pending_revision: Any = Column(JSONB)
    pending_by: Any = Column(Text)
    pending_at: Any = Column(types.DateTime(timezone=True))
    # metadata_modified of the live dataset the revision was made from (the version check)
    pending_base: Any = Column(Text)
    # files uploaded in the pending revision, kept apart until approval: {resource id: staged file}
    pending_uploads: Any = Column(JSONB)
    # user ids of everyone who wrote content not yet approved (four eyes: none of them approves it)
    authors: Any = Column(JSONB, nullable=False, default=list)
    updated_at: Any = Column(types.DateTime(timezone=True), nullable=False, default=now)

    @classmethod
    def get(cls, package_id: str) -> Optional["WorkflowRecord"]:
        return model.Session.get(cls, package_id)

    @classmethod
    def load_many(cls, package_ids: list[str]) -> list["WorkflowRecord"]:
        """One query for many records; while the caller holds them, ``get`` finds them in the
        session without SQL (the identity map keeps only weak references)."""
        if not package_ids:
            return []
        return model.Session.query(cls).filter(cls.package_id.in_(package_ids)).all()


class WorkflowEvent(tk.BaseModel):
    """The audit trail: every transition, who, when, from, to, why, and what was approved."""

    __tablename__ = "govcatalog_workflow_event"

    id: Any = Column(BigInteger, primary_key=True, autoincrement=True)
    package_id: Any = Column(Text, nullable=False)
    organization_id: Any = Column(Text)
    actor_id: Any = Column(Text)
    action: Any = Column(Text, nullable=False)
    from_state: Any = Column(Text)
    to_state: Any = Column(Text)
    reason: Any = Column(Text)
    revision_digest: Any = Column(Text)
    override: Any = Column(Boolean, nullable=False, default=False)
    # on an approval: the user ids of every author of the approved content
    authors: Any = Column(JSONB)
    created_at: Any = Column(types.DateTime(timezone=True), nullable=False, default=now)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "package_id": self.package_id, "organization_id": self.organization_id,
            "actor_id": self.actor_id, "action": self.action, "from_state": self.from_state,
            "to_state": self.to_state, "reason": self.reason, "revision_digest": self.revision_digest,
            "override": self.override, "authors": self.authors or [], "created_at": self.created_at.isoformat(),
        }


class Approver(tk.BaseModel):
    """A user named approver of an organization (its admins approve without being named)."""

    __tablename__ = "govcatalog_approver"

    organization_id: Any = Column(Text, primary_key=True)
    user_id: Any = Column(Text, primary_key=True)
    created_by: Any = Column(Text)
    created_at: Any = Column(types.DateTime(timezone=True), nullable=False, default=now)


def approver_organizations(user_id: str) -> Iterable[str]:
    return [org for (org,) in model.Session.query(Approver.organization_id).filter(Approver.user_id == user_id)]
