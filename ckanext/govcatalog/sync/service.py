"""Pushing datasets to targets and withdrawing them, with a local record of each.

One push, for one dataset and one target, goes in three steps, so that a worker killed at any
point loses nothing and leaves no duplicate:

1. plan (local, reads only): what the policy lets the target hold now (``policy.target_disclosure``)
   and the payload built from it; nothing to do when the target already holds that payload;
2. mark the record in flight (committed before any remote call): state pending, the operation,
   attempts + 1 and a lease (``next_retry_at``) after which a retry sweep picks it up;
3. the remote call (no database work, so calls can run side by side), then the outcome recorded.

One push is one call to the target when the record says what the target holds:
``package_update`` of the remote id the record knows (a create when the target no longer has it),
or ``package_create`` with the resources inline for a dataset never tried. The remote name is
derived from the local id (``Target.remote_name``): when an earlier try's outcome is unknown (a
record without a remote id) the entry is looked up by that name first, and a create that a
concurrent run made meanwhile is refused by the target as a name in use, then looked up and
updated; so a create the local record never heard of is found and updated, not duplicated. A
withdrawal is one ``package_delete`` by the remote name (nothing to do when there is no entry).

Planning reads the dataset through ``package_show``'s cache (the validated dict the search index
keeps, used only when its ``metadata_modified`` matches the database's, as CKAN's API reads do),
and the records of a group of datasets in one query.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import hashlib
import json
import logging
import re
from typing import Any, Callable, Iterable, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govcatalog import access, policy
from ckanext.govcatalog.policy import Disclosure

from . import targets as targets_
from .client import Backoff, CkanClient, RemoteError
from .model import FAILED, PENDING, PUSH, SYNCED, WITHDRAW, WITHDRAWN, SyncRecord, now

log = logging.getLogger(__name__)

# Core fields a CKAN target keeps about a dataset besides the schema's (none local-only).
LOCAL_ONLY = frozenset({"id", "owner_org", "name", "organization", "creator_user_id", "metadata_created",
                        "metadata_modified", "revision_id", "state", "private", "num_resources", "num_tags",
                        "relationships_as_object", "relationships_as_subject", "groups", "tags", "extras",
                        "workflow_state", "workflow_state_display", "workflow_pending_revision"})
RESOURCE_LOCAL_ONLY = frozenset({"id", "package_id", "url_type", "position", "state", "created", "metadata_modified",
                                 "cache_url", "cache_last_updated", "datastore_active", "revision_id"})
# A plain CKAN's own dataset fields; a target without the national schema gets the others as extras.
CKAN_CORE_FIELDS = frozenset({"name", "title", "author", "author_email", "maintainer", "maintainer_email",
                              "license_id", "notes", "url", "version", "state", "type", "owner_org", "private",
                              "resources", "tag_string", "tags", "groups", "extras"})
PLAIN_CKAN_TAG = re.compile(r"^[\w \-.]{2,100}$")  # CKAN's default tag rule (tag_name_validator, length)
LEASE = datetime.timedelta(minutes=10)  # a try still "in flight" after this was lost with its worker

Clock = Callable[[], datetime.datetime]


# --- settings -------------------------------------------------------------------------------

@dataclasses.dataclass
class Settings:
    timeout: float = 30.0
    tries: int = 4
    max_attempts: int = 10
    backoff: Backoff = dataclasses.field(default_factory=Backoff)
    inline_wait_max: float = 30.0
    workers: int = 8
    sleep: Callable[[float], None] = dataclasses.field(default=lambda seconds: __import__("time").sleep(seconds))
    clock: Clock = now

    @classmethod
    def from_config(cls) -> "Settings":
        get = tk.config.get
        return cls(timeout=float(get("ckanext.govcatalog.sync.timeout")),
                   tries=int(get("ckanext.govcatalog.sync.tries_per_job")),
                   max_attempts=int(get("ckanext.govcatalog.sync.max_attempts")),
                   backoff=Backoff(base=float(get("ckanext.govcatalog.sync.backoff_base")),
                                   cap=float(get("ckanext.govcatalog.sync.backoff_max"))),
                   inline_wait_max=float(get("ckanext.govcatalog.sync.inline_wait_max")),
                   workers=max(1, int(get("ckanext.govcatalog.sync.workers"))))


# Tests replace this to make retries deterministic (an injected random source, clock and sleep).
SETTINGS_FACTORY: Callable[[], Settings] = Settings.from_config


def client_for(target: targets_.Target, settings: Settings) -> CkanClient:
    return CkanClient(target.url, target.token(), timeout=settings.timeout, tries=settings.tries,
                      backoff=settings.backoff, inline_wait_max=settings.inline_wait_max, sleep=settings.sleep)


# --- payloads -------------------------------------------------------------------------------

def _schema_fields(package_type: str) -> tuple[list[str], list[str]]:
    from ckanext.scheming.helpers import scheming_get_dataset_schema

    schema = scheming_get_dataset_schema(package_type) or {}
    return ([f["field_name"] for f in schema.get("dataset_fields", [])],
            [f["field_name"] for f in schema.get("resource_fields", [])])


def local_view(package_id: str) -> Optional[dict[str, Any]]:
    """The dataset as the system sees it (all fields), or None when it is gone. Through CKAN's
    cache: the search index's validated dict when it is of the database's ``metadata_modified``
    (the index is written in the dataset's own transaction), else dictized and validated."""
    try:
        return tk.get_action("package_show")({"ignore_auth": True, "for_view": False}, {"id": package_id})
    except tk.ObjectNotFound:
        return None


def build_payload(pkg: dict[str, Any], disclosure: Disclosure, target: targets_.Target) -> dict[str, Any]:
    """What the target gets: the schema's fields the policy lets out, under the remote name and
    organization. METADATA_ONLY carries no resources and no URL of the data."""
    dataset_fields, resource_fields = _schema_fields(pkg.get("type") or "dataset")
    payload: dict[str, Any] = {
        key: pkg[key] for key in dataset_fields if key in pkg and key not in LOCAL_ONLY and key != "tag_string"}
    payload["tag_string"] = ", ".join(sorted(t["name"] for t in pkg.get("tags") or [] if t.get("name")))
    payload.update(name=target.remote_name(pkg["id"]), type=pkg.get("type") or "dataset",
                   owner_org=target.remote_organization((pkg.get("organization") or {}).get("name")),
                   private=False, state="active")
    site_url = str(tk.config.get("ckan.site_url") or "").rstrip("/")
    if "reference_url_catalog" in dataset_fields and site_url:
        payload["reference_url_catalog"] = f"{site_url}/dataset/{pkg['name']}"
    if disclosure is Disclosure.WITH_FILES:
        keep = set(resource_fields) | {"name", "url", "format", "description", "mimetype", "size"}
        payload["resources"] = [
            {k: v for k, v in r.items() if k in keep and k not in RESOURCE_LOCAL_ONLY and v not in (None, "")}
            for r in pkg.get("resources") or []]
    else:
        payload["resources"] = []
        payload.pop("url", None)
    return as_extras(payload) if target.fields == "extras" else payload


def extra_value(value: Any) -> Optional[str]:
    """An extra's text: text as it is (the stored national values: Thai strings, "True"/"False"),
    lists and objects as JSON (how scheming stores multiple choices), nothing for empty values."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def as_extras(payload: dict[str, Any]) -> dict[str, Any]:
    """For a CKAN without the national schema: its own fields stay, the national ones become
    extras (sorted, so the digest is stable). Its default tag rule refuses most Thai words (their
    vowel and tone marks are not "alphanumeric"), which would fail the whole push: the tags it
    accepts stay tags, and every keyword travels in the extra ``keywords`` (a JSON list)."""
    core = {key: value for key, value in payload.items() if key in CKAN_CORE_FIELDS}
    national = {key: value for key, value in payload.items() if key not in CKAN_CORE_FIELDS}
    keywords = [t.strip() for t in str(payload.get("tag_string") or "").split(",") if t.strip()]
    if keywords:
        core["tag_string"] = ", ".join(t for t in keywords if PLAIN_CKAN_TAG.match(t))
        national.setdefault("keywords", keywords)
    extras = [{"key": key, "value": text} for key, value in sorted(national.items())
              if (text := extra_value(value)) is not None]
    return dict(core, extras=extras)


def digest(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- planning -------------------------------------------------------------------------------

@dataclasses.dataclass
class Plan:
    package_id: str
    target: targets_.Target
    operation: str  # push | withdraw | none
    reason: str  # why (shown by --dry-run and in summaries)
    payload: Optional[dict[str, Any]] = None
    digest: Optional[str] = None
    package_name: Optional[str] = None
    remote_id: Optional[str] = None  # the remote entry the record knows: updated, not created
    look_up_first: bool = False  # a try whose outcome is unknown may have created it: ask by name


_UNREAD: Any = object()


def plan(package_id: str, target: targets_.Target, force: bool = False, manual: bool = False,
         pkg: Any = _UNREAD, record: Any = _UNREAD) -> Plan:
    """What to do for this dataset on this target. ``force``: push even when the digest says the
    target has it (reconcile found drift); ``manual``: a catalog manager asked (lifts a hold).
    ``pkg`` and ``record``: already read by the caller (None: there is none)."""
    pkg = local_view(package_id) if pkg is _UNREAD else pkg
    record = SyncRecord.get(package_id, target.name) if record is _UNREAD else record
    facts = access.dataset_facts(pkg) if pkg is not None else None
    disclosure = policy.target_disclosure(facts, target.kind, target.levels) if facts else Disclosure.NONE
    name = pkg["name"] if pkg else (record.package_name if record else None)
    if disclosure is Disclosure.NONE or (record is not None and record.held and not manual):
        if record is None or (record.state == WITHDRAWN and not force):
            return Plan(package_id, target, "none", "not eligible", package_name=name)
        return Plan(package_id, target, WITHDRAW, "held" if disclosure is not Disclosure.NONE else "not eligible",
                    package_name=name)
    assert pkg is not None
    payload = build_payload(pkg, disclosure, target)
    payload_digest = digest(payload)
    if record is not None and record.state == SYNCED and record.digest == payload_digest and not force:
        return Plan(package_id, target, "none", "unchanged", package_name=name)
    # no record: never tried (a concurrent run's create is refused by name); a remote id: the entry
    # is known; a record without one: an earlier try may have created it without our knowing
    remote_id = record.remote_id if record is not None else None
    return Plan(package_id, target, PUSH, "changed" if record else "new", payload, payload_digest, name,
                remote_id, look_up_first=record is not None and not remote_id)


def load_records(package_ids: list[str], target_names: list[str]) -> dict[tuple[str, str], SyncRecord]:
    """The records of these datasets on these targets, in one query (into the session)."""
    if not package_ids or not target_names:
        return {}
    found = model.Session.query(SyncRecord).filter(SyncRecord.package_id.in_(package_ids),
                                                   SyncRecord.target.in_(target_names)).all()
    return {(r.package_id, r.target): r for r in found}


# --- the three steps ------------------------------------------------------------------------

def _mark_in_flight(plans: list[Plan], clock: Clock) -> None:
    """Step 2 for a batch: one commit before any remote call."""
    moment = clock()
    # read again, in one query: a concurrent run may have made the record since the plan
    known = load_records(list({item.package_id for item in plans}), list({item.target.name for item in plans}))
    for item in plans:
        record = known.get((item.package_id, item.target.name))
        if record is None:
            record = SyncRecord(package_id=item.package_id, target=item.target.name, attempts=0, held=False,
                                remote_name=item.target.remote_name(item.package_id), created_at=moment)
            model.Session.add(record)
        record.package_name = item.package_name or record.package_name
        record.operation = item.operation
        record.state = PENDING
        record.attempts = (record.attempts or 0) + 1
        record.next_retry_at = moment + LEASE
        record.updated_at = moment
        if item.operation == PUSH:
            record.held = False
    model.repo.commit()


@dataclasses.dataclass
class Outcome:
    plan: Plan
    remote: Optional[dict[str, Any]] = None
    error: Optional[RemoteError] = None


def _remote(item: Plan, client: CkanClient) -> Outcome:
    """Step 3: the remote call only (no database work: this runs in worker threads)."""
    try:
        if item.operation == WITHDRAW:
            return Outcome(item, _withdraw_remote(item, client))
        return Outcome(item, _push_remote(item, client))
    except RemoteError as error:
        return Outcome(item, error=error)


def _push_remote(item: Plan, client: CkanClient) -> dict[str, Any]:
    """One call when all is as the record says; a lookup by name only after a refused create."""
    assert item.payload is not None
    name = item.payload["name"]
    if item.remote_id:
        try:
            return client.call("package_update", dict(item.payload, id=item.remote_id))
        except RemoteError as error:
            if not error.not_found:  # purged on the target: create it again
                raise
    existing = client.show(name) if item.look_up_first else None
    if existing is None:
        try:
            return client.call("package_create", item.payload)
        except RemoteError as error:
            if not error.name_taken:  # created by a try we lost track of, or deleted there: update it
                raise
            existing = client.show(name)
            if existing is None:
                raise
    return client.call("package_update", dict(item.payload, id=existing["id"]))


def _withdraw_remote(item: Plan, client: CkanClient) -> dict[str, Any]:
    """One package_delete by the remote name (a deleted entry stays deleted; none: nothing to do)."""
    name = item.target.remote_name(item.package_id)
    try:
        client.call("package_delete", {"id": name})
    except RemoteError as error:
        if not error.not_found:
            raise
    return {"name": name}


def _record(outcome: Outcome, settings: Settings) -> tuple[str, Optional[datetime.datetime]]:
    """The outcome into the local record (the caller commits); the result and, for a failure
    worth retrying, when."""
    item, moment = outcome.plan, settings.clock()
    record = SyncRecord.get(item.package_id, item.target.name)
    if record is None:  # purged meanwhile by a reset: nothing to keep
        return "lost", None
    record.updated_at = moment
    if outcome.error is not None:
        error = outcome.error
        record.state = FAILED
        record.last_error = error.args[0] if error.args else type(error).__name__
        if error.retriable and record.attempts < settings.max_attempts:
            record.next_retry_at = moment + datetime.timedelta(
                seconds=settings.backoff.delay(record.attempts, error.retry_after))
        else:
            record.next_retry_at = None  # waits for a catalog manager (or the next change)
        log.warning("sync %s of %s to %s failed: %s", item.operation, item.package_id, item.target.name,
                    record.last_error)
        return "failed", record.next_retry_at
    remote = outcome.remote or {}
    record.attempts, record.last_error, record.next_retry_at = 0, None, None
    if item.operation == WITHDRAW:
        record.state, record.remote_modified = WITHDRAWN, None
    else:
        record.state, record.digest, record.synced_at = SYNCED, item.digest, moment
        record.remote_id, record.remote_name = remote.get("id"), remote.get("name") or record.remote_name
        record.remote_modified = remote.get("metadata_modified")
    return ("withdrawn" if item.operation == WITHDRAW else "pushed"), None


# --- running --------------------------------------------------------------------------------

@dataclasses.dataclass
class Summary:
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    failures: dict[str, str] = dataclasses.field(default_factory=dict)  # "<target>/<dataset>": last error
    retries: list[tuple[str, str, datetime.datetime]] = dataclasses.field(default_factory=list)

    def add(self, what: str, key: Optional[str] = None, error: Optional[str] = None) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1
        if error and key:
            self.failures[key] = error

    def __str__(self) -> str:
        return ", ".join(f"{what} {count}" for what, count in sorted(self.counts.items())) or "nothing to do"


class Pipeline:
    """Remote calls side by side on a bounded pool of threads (``settings.workers`` of them, each
    with its own keep-alive connection to a target), while this thread plans the next datasets
    and records what came back.

    Every database read and write stays in the calling thread (one session): plans are marked in
    flight and committed in groups before their calls are submitted, outcomes are recorded as
    they complete and committed together. At most two groups are in flight, so a worker killed
    at any point leaves a bounded number of records pending under their lease (the retry sweep
    and the target's refusal of a second create under the same name then finish them without
    duplicates).
    """

    def __init__(self, clients: dict[str, CkanClient], settings: Settings, summary: Summary) -> None:
        self.clients, self.settings, self.summary = clients, settings, summary
        self.width = max(1, settings.workers)
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.width,
                                                          thread_name_prefix="govcatalog-sync")
        self.queued: list[Plan] = []
        self.in_flight: set[concurrent.futures.Future[Outcome]] = set()

    def add(self, work: Iterable[Plan]) -> None:
        self.queued.extend(work)
        if len(self.queued) >= self.width:
            self._submit()

    def _submit(self) -> None:
        if self.queued:
            _mark_in_flight(self.queued, self.settings.clock)  # committed before any remote call
            self.in_flight.update(self.pool.submit(_remote, item, self.clients[item.target.name])
                                  for item in self.queued)
            self.queued = []
        while len(self.in_flight) > self.width:  # a second group waits in the pool's queue, no more
            self._collect()

    def _collect(self) -> None:
        done, self.in_flight = concurrent.futures.wait(self.in_flight,
                                                       return_when=concurrent.futures.FIRST_COMPLETED)
        outcomes = [future.result() for future in done]
        for outcome in outcomes:
            result, retry_at = _record(outcome, self.settings)
            item = outcome.plan
            self.summary.add(result, f"{item.target.name}/{item.package_name or item.package_id}",
                             outcome.error.args[0] if outcome.error else None)
            if retry_at is not None:
                self.summary.retries.append((item.package_id, item.target.name, retry_at))
        model.repo.commit()

    def finish(self) -> None:
        self._submit()
        while self.in_flight:
            self._collect()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if exc[0] is None:
                self.finish()
        finally:
            # on an error, calls not started yet are dropped: their records stay pending, leased
            self.pool.shutdown(wait=True, cancel_futures=True)


def run(package_ids: Iterable[str], chosen: Optional[list[targets_.Target]] = None, force: bool = False,
        manual: bool = False, dry_run: bool = False, settings: Optional[Settings] = None,
        progress: Optional[Callable[[int], None]] = None) -> Summary:
    """Sync these datasets to these targets (all configured ones by default): each dataset is
    planned here, its remote calls run on the pipeline's pool (``settings.workers`` at a time)."""
    settings = settings or SETTINGS_FACTORY()
    chosen = targets_.all_targets() if chosen is None else chosen
    summary = Summary()
    if dry_run:
        for package_id in package_ids:
            for item in (plan(package_id, target, force, manual) for target in chosen):
                summary.add(item.reason if item.operation == "none" else f"would {item.operation}")
            if progress:
                progress(1)
        return summary
    clients = {t.name: client_for(t, settings) for t in chosen}
    names = [t.name for t in chosen]
    with Pipeline(clients, settings, summary) as pipeline:
        for group in _groups(package_ids, PLAN_GROUP):
            known = load_records(group, names)
            for package_id in group:
                pkg = local_view(package_id)
                plans = [plan(package_id, target, force, manual, pkg=pkg,
                              record=known.get((package_id, target.name))) for target in chosen]
                for item in plans:
                    if item.operation == "none":
                        summary.add(item.reason)
                pipeline.add(item for item in plans if item.operation != "none")
                if progress:
                    progress(1)
    return summary


PLAN_GROUP = 50  # datasets whose records are read in one query


def _groups(items: Iterable[str], size: int) -> Iterable[list[str]]:
    group: list[str] = []
    for item in items:
        group.append(item)
        if len(group) >= size:
            yield group
            group = []
    if group:
        yield group


def execute(work: list[Plan], clients: dict[str, CkanClient], settings: Settings, summary: Summary) -> None:
    """Steps 2 and 3 for planned pushes and withdrawals."""
    with Pipeline(clients, settings, summary) as pipeline:
        pipeline.add(work)


# --- what to look at ------------------------------------------------------------------------

def all_package_ids() -> list[str]:
    """Every dataset that exists here, and every one a record remembers (purged ones included)."""
    local = [i for (i,) in model.Session.query(model.Package.id).filter(model.Package.type == "dataset")
             .order_by(model.Package.id)]
    remembered = [i for (i,) in model.Session.query(SyncRecord.package_id).distinct()]
    return list(dict.fromkeys(local + sorted(remembered)))


def unsettled_package_ids(chosen: list[targets_.Target], due_before: Optional[datetime.datetime] = None) -> list[str]:
    """Datasets that need work: published ones never sent, and records pending or failed (those due
    before ``due_before`` when given: the retry sweep)."""
    names = [t.name for t in chosen]
    query = model.Session.query(SyncRecord.package_id).filter(
        SyncRecord.target.in_(names), SyncRecord.state.in_([PENDING, FAILED]))
    if due_before is not None:
        query = query.filter(SyncRecord.next_retry_at.isnot(None), SyncRecord.next_retry_at <= due_before)
    unsettled = [i for (i,) in query.distinct()]
    if due_before is None:
        known = sa.select(SyncRecord.package_id).where(SyncRecord.target.in_(names))
        never = model.Session.query(model.Package.id).filter(
            model.Package.state == "active", model.Package.private.is_(False), model.Package.type == "dataset",
            model.Package.id.notin_(known))
        unsettled += [i for (i,) in never]
    return list(dict.fromkeys(unsettled))


def records(target: Optional[str] = None, state: Optional[str] = None) -> list[SyncRecord]:
    query = model.Session.query(SyncRecord)
    if target:
        query = query.filter(SyncRecord.target == target)
    if state:
        query = query.filter(SyncRecord.state == state)
    return query.order_by(SyncRecord.updated_at.desc()).all()
