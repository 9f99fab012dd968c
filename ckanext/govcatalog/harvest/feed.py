"""The change feed: every change of a dataset that alters what a puller may see, in commit order.

Each row keeps the dataset's policy facts before and after the change, so that the feed can say,
for each caller, whether the change is new to them (created), a change of something they may pull
(updated), or the loss of something they may have had (withdrawn, deleted), without ever naming a
dataset to a caller who never could have had it (``policy.feed_change``).

Rows are written in the committing transaction (CKAN's ``IDomainObjectModification`` runs just before
commit), after one advisory lock: writers commit one after the other, so a cursor (the row id) is
never committed behind a cursor a puller already passed.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import BigInteger, Column, Index, Text, types
from sqlalchemy.dialects.postgresql import JSONB

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govcatalog import access, policy
from ..clock import now

DATASET_TYPE = "dataset"
# Any constant: the lock that orders the feed's writers (pg_advisory_xact_lock, released at commit).
FEED_LOCK = 0x67636368  # "gcch"
CREATED, UPDATED, WITHDRAWN, DELETED = "created", "updated", "withdrawn", "deleted"



class Change(tk.BaseModel):
    """One change of a dataset (created by migrations/govcatalog)."""

    __tablename__ = "govcatalog_change"

    id: Any = Column(BigInteger, primary_key=True, autoincrement=True)  # the cursor
    package_id: Any = Column(Text, nullable=False)
    # as the catalog saw it: created, updated, withdrawn (no longer disclosed) or deleted
    kind: Any = Column(Text, nullable=False)
    at: Any = Column(types.DateTime(timezone=True), nullable=False, default=now)
    metadata_modified: Any = Column(Text)
    before: Any = Column(JSONB(none_as_null=True))  # policy facts before the change (None: did not exist)
    after: Any = Column(JSONB(none_as_null=True))  # policy facts after the change (None: deleted or purged)

    __table_args__ = (Index("govcatalog_change_package_idx", "package_id", "id"),
                      Index("govcatalog_change_at_idx", "at"))


# --- writing -----------------------------------------------------------------------------------

def _latest(package_id: str) -> Optional[Change]:
    return model.Session.query(Change).filter(Change.package_id == package_id).order_by(Change.id.desc()).first()


def _catalog_kind(before: Optional[policy.DatasetFacts], after: Optional[policy.DatasetFacts]) -> str:
    if after is None:
        return DELETED
    if before is None:
        return CREATED
    if policy.is_disclosed(before) and not policy.is_disclosed(after):
        return WITHDRAWN
    return UPDATED


def record(package: model.Package, gone: bool = False) -> Optional[Change]:
    """Record the dataset's change if it is one a puller may notice: it is new, deleted or purged
    (``gone``), its facts changed or its metadata_modified moved. Runs inside the committing
    transaction."""
    if (package.type or DATASET_TYPE) != DATASET_TYPE or not package.id:
        return None
    state = sa.inspect(package)
    # purged: CKAN also reports the purged dataset as changed (through its purged memberships)
    deleted = gone or state.deleted or state.was_deleted or package.state == "deleted"
    after = None if deleted else access.dataset_facts(package)
    modified = package.metadata_modified.isoformat() if package.metadata_modified else None
    previous = _latest(package.id)
    before = access.dataset_facts_from_dict(previous.after) if previous is not None else None
    if previous is not None and previous.after is None and deleted:
        return None  # already recorded as gone
    if previous is not None and after is not None and before == after and previous.metadata_modified == modified:
        return None  # nothing a puller could notice
    model.Session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})
    change = Change(package_id=package.id, kind=_catalog_kind(before, after), at=now(), metadata_modified=modified,
                    before=access.dataset_facts_as_dict(before) if before else None,
                    after=access.dataset_facts_as_dict(after) if after else None)
    model.Session.add(change)
    model.Session.flush()
    return change


def retention_days() -> int:
    return int(tk.config.get("ckanext.govcatalog.changes.retention_days"))


def cleanup(days: Optional[int] = None) -> int:
    """Drop changes older than the retention, but never the latest change of a dataset that still
    exists (the next change compares with it). Returns how many went; the caller commits."""
    cutoff = now() - datetime.timedelta(days=days if days is not None else retention_days())
    dropped = model.Session.execute(sa.text(
        "DELETE FROM govcatalog_change c WHERE c.at < :cutoff AND (c.after IS NULL OR EXISTS ("
        " SELECT 1 FROM govcatalog_change n WHERE n.package_id = c.package_id AND n.id > c.id)) RETURNING c.id"),
        {"cutoff": cutoff}).scalars().all()
    if dropped:
        model.Session.execute(sa.text(
            "INSERT INTO govcatalog_change_pruned (id, through) VALUES (1, :through) "
            "ON CONFLICT (id) DO UPDATE SET through = GREATEST(govcatalog_change_pruned.through, EXCLUDED.through)"),
            {"through": max(dropped)})
    return len(dropped)


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    changes: list[dict[str, Any]]
    next_since: int
    more: bool
    resync: bool


SCAN_CHUNKS = 20  # a page reads at most this many chunks of `limit` rows looking for the caller's changes


def read(since: int, limit: int, user: policy.UserFacts) -> Page:
    """The caller's changes after the cursor ``since``, oldest first, at most ``limit``. A page may
    hold fewer (the caller may not see most changes): follow ``next_since`` while ``more``."""
    changes: list[dict[str, Any]] = []
    cursor = since
    for _ in range(SCAN_CHUNKS):
        chunk = model.Session.query(Change).filter(Change.id > cursor).order_by(Change.id).limit(limit).all()
        for row in chunk:
            cursor = row.id
            seen = policy.feed_change(access.dataset_facts_from_dict(row.before),
                                      access.dataset_facts_from_dict(row.after), user)
            if seen is not None:
                changes.append({"cursor": row.id, "id": row.package_id, "change": seen.value,
                                "at": row.at.isoformat(), "metadata_modified": _modified_for(seen, row)})
            if len(changes) >= limit:
                break
        if len(chunk) < limit or len(changes) >= limit:
            break
    more = model.Session.query(Change.id).filter(Change.id > cursor).first() is not None
    return Page(changes, cursor, more, resync=_fell_behind(since))


def _modified_for(seen: policy.FeedChange, row: Change) -> Optional[str]:
    # a withdrawal says nothing about the entry beyond its id
    return row.metadata_modified if seen in (policy.FeedChange.CREATED, policy.FeedChange.UPDATED) else None


def _fell_behind(since: int) -> bool:
    """Changes after ``since`` were dropped by the retention: the caller should crawl again."""
    return since < pruned_through()


def pruned_through() -> int:
    """The highest cursor the retention has dropped (0: none)."""
    return model.Session.execute(sa.text("SELECT COALESCE(MAX(through), 0) FROM govcatalog_change_pruned")).scalar()
