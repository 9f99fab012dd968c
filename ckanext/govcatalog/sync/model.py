"""Tables of the sync room (created by migrations/govcatalog_sync): what each target holds of each
dataset, and GD Catalog's registration state of each dataset."""
from __future__ import annotations

import datetime
from typing import Any, Optional

from sqlalchemy import Boolean, Column, Integer, Text, types

import ckan.model as model
import ckan.plugins.toolkit as tk
from ..clock import now

PENDING = "pending"
SYNCED = "synced"
FAILED = "failed"
WITHDRAWN = "withdrawn"
STATES = (PENDING, SYNCED, FAILED, WITHDRAWN)

PUSH = "push"
WITHDRAW = "withdraw"



class SyncRecord(tk.BaseModel):
    """One dataset on one target: the remote entry, what was last sent, and how the last try went."""

    __tablename__ = "govcatalog_sync"

    package_id: Any = Column(Text, primary_key=True)
    target: Any = Column(Text, primary_key=True)
    package_name: Any = Column(Text)  # for the sync page once the local dataset is purged
    remote_id: Any = Column(Text)
    remote_name: Any = Column(Text, nullable=False)
    # metadata_modified of the remote entry as we left it: a different one means a hand edit there
    remote_modified: Any = Column(Text)
    state: Any = Column(Text, nullable=False, default=PENDING)
    operation: Any = Column(Text, nullable=False, default=PUSH)  # what the last or current try does
    digest: Any = Column(Text)  # of the payload the target holds (synced) or was last sent
    # a catalog manager withdrew it by hand: not pushed again until a manager pushes it
    held: Any = Column(Boolean, nullable=False, default=False)
    attempts: Any = Column(Integer, nullable=False, default=0)
    next_retry_at: Any = Column(types.DateTime(timezone=True))
    last_error: Any = Column(Text)
    synced_at: Any = Column(types.DateTime(timezone=True))
    created_at: Any = Column(types.DateTime(timezone=True), nullable=False, default=now)
    updated_at: Any = Column(types.DateTime(timezone=True), nullable=False, default=now)

    @classmethod
    def get(cls, package_id: str, target: str) -> Optional["SyncRecord"]:
        return model.Session.get(cls, (package_id, target))

    def as_dict(self) -> dict[str, Any]:
        def iso(value: Optional[datetime.datetime]) -> Optional[str]:
            return value.isoformat() if value is not None else None

        return {
            "package_id": self.package_id, "package_name": self.package_name, "target": self.target,
            "remote_id": self.remote_id, "remote_name": self.remote_name, "state": self.state,
            "operation": self.operation, "held": self.held, "attempts": self.attempts,
            "next_retry_at": iso(self.next_retry_at), "last_error": self.last_error,
            "synced_at": iso(self.synced_at), "updated_at": iso(self.updated_at),
        }


# Registration states of the GD Catalog harvester (metadata-vocabulary.md), and ours.
REGISTERED = "REGISTERED"
NOT_REGISTERED = "NOT_REGISTERED"
UNKNOWN = "UNKNOWN"
GOVERNANCE_STATES = ("WAIT", "VALIDATE", "VALIDATE_MODIFIED", "APPROVAL", "REJECT", "WAIT_REVOKE", "REVOKE",
                     "DELETED")


class RegistrationState(tk.BaseModel):
    """GD Catalog's answer about one dataset, refreshed by a background job (never by a page)."""

    __tablename__ = "govcatalog_gdcatalog_state"

    package_id: Any = Column(Text, primary_key=True)
    # REGISTERED / NOT_REGISTERED (published datasets), a governance state (others), or UNKNOWN
    # when GD Catalog could not be asked; the last good answer is kept in the other columns
    state: Any = Column(Text, nullable=False)
    last_known: Any = Column(Text)
    remote_name: Any = Column(Text)  # the portal shows it at <portal>/dataset/gdpublish-<name>
    remote_modified: Any = Column(Text)
    validate_time: Any = Column(Text)
    checked_at: Any = Column(types.DateTime(timezone=True), nullable=False, default=now)
    answered_at: Any = Column(types.DateTime(timezone=True))

    @classmethod
    def get(cls, package_id: str) -> Optional["RegistrationState"]:
        return model.Session.get(cls, package_id)

    @property
    def registered(self) -> bool:
        """GD Catalog holds the entry (or did when last asked): it is not deleted here by an editor."""
        known = self.last_known if self.state == UNKNOWN else self.state
        return known in (REGISTERED, "VALIDATE", "VALIDATE_MODIFIED", "APPROVAL", "WAIT_REVOKE")
