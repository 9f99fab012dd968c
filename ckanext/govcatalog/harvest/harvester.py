"""Plugin ``govcatalog_harvester``: a ckanext-harvest harvester for aggregating catalogs (area and
provincial catalogs, data centres).

- From a catalog running this suite it follows the change feed (``govcatalog_changes``) from the
  cursor the last finished job reached (table ``govcatalog_harvest_cursor``): created and updated
  entries are fetched with ``package_show``, withdrawn and deleted ones are deleted here.
- From a plain CKAN or Open-D catalog it reads ``package_search``: entries modified since the last
  finished job, and the full id list, so that whatever the source no longer shows is deleted here.
- Entries keep their id, name, Thai tags and every national field; they are validated against this
  catalog's schema (an invalid one is an error of that entry in the job report); what the policy says
  an aggregator may keep decides: top secret or withheld consent never, files only for open data
  (metadata-only entries stay metadata-only); ``reference_url_catalog`` points at the source entry.

Source config (JSON): ``{"mode": "auto"|"feed"|"search", "token_env": "VAR" or "token_file": "/path"
(a harvest account's token: never the token itself), "fq": "<extra search filter>", "page_size": 500}``.
"""
from __future__ import annotations

import datetime
import json
import logging
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import BigInteger, Column, Text, types

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectExtra

from ckanext.govcatalog import policy
from ckanext.govcatalog.harvest import remote
from ..clock import now

log = logging.getLogger(__name__)

NAME = "govcatalog"
MODES = ("auto", "feed", "search")
STATUS, DELETE, CHANGE = "status", "delete", "change"
# keys of a remote package dict that describe the remote copy, not the entry
REMOTE_ONLY = ("organization", "groups", "relationships_as_object", "relationships_as_subject", "tracking_summary",
               "num_resources", "num_tags", "revision_id", "metadata_created", "metadata_modified", "creator_user_id",
               "state", "private", "owner_org", "type", "harvest", "permission_labels")
RESOURCE_REMOTE_ONLY = ("package_id", "revision_id", "position", "tracking_summary", "datastore_active",
                        "cache_url", "cache_last_updated", "created", "last_modified", "metadata_modified")
# how far back a package_search pull looks before the last job started (clocks differ; commits lag)
SEARCH_OVERLAP = datetime.timedelta(minutes=10)



class HarvestCursor(tk.BaseModel):
    """The change-feed cursor a harvest job reached (created by migrations/govcatalog_harvester)."""

    __tablename__ = "govcatalog_harvest_cursor"

    job_id: Any = Column(Text, primary_key=True)
    source_id: Any = Column(Text, nullable=False)
    cursor: Any = Column(BigInteger, nullable=False)
    at: Any = Column(types.DateTime(timezone=True), nullable=False, default=now)


def last_cursor(source_id: str) -> Optional[int]:
    """The cursor of the source's latest finished job (None: never pulled the feed)."""
    row = model.Session.execute(sa.text(
        "SELECT c.cursor FROM govcatalog_harvest_cursor c JOIN harvest_job j ON j.id = c.job_id "
        "WHERE c.source_id = :source AND j.status = 'Finished' ORDER BY c.at DESC LIMIT 1"),
        {"source": source_id}).first()
    return int(row[0]) if row else None


def last_started(job: HarvestJob) -> Optional[datetime.datetime]:
    """When the source's latest finished job (other than this one) started gathering (naive UTC)."""
    return (model.Session.query(sa.func.max(HarvestJob.gather_started))
            .filter(HarvestJob.source_id == job.source_id, HarvestJob.status == "Finished",
                    HarvestJob.id != job.id).scalar())


def held_guids(source_id: str) -> set[str]:
    """Remote ids this source's entries have here (their current harvest object)."""
    rows = (model.Session.query(HarvestObject.guid).join(model.Package, model.Package.id == HarvestObject.package_id)
            .filter(HarvestObject.harvest_source_id == source_id, HarvestObject.current.is_(True),
                    model.Package.state == "active"))
    return {guid for (guid,) in rows}


def errored_guids(source_id: str) -> set[str]:
    """Remote ids whose latest object of this source failed: tried again on the next run."""
    latest = (model.Session.query(HarvestObject.guid, sa.func.max(HarvestObject.gathered).label("gathered"))
              .filter(HarvestObject.harvest_source_id == source_id).group_by(HarvestObject.guid).subquery())
    rows = (model.Session.query(HarvestObject.guid)
            .join(latest, sa.and_(latest.c.guid == HarvestObject.guid, latest.c.gathered == HarvestObject.gathered))
            .filter(HarvestObject.harvest_source_id == source_id, HarvestObject.state == "ERROR"))
    return {guid for (guid,) in rows}


def schema_fields() -> set[str]:
    from ckanext.scheming.helpers import scheming_get_dataset_schema

    schema = scheming_get_dataset_schema("dataset") or {}
    return {f["field_name"] for f in schema.get("dataset_fields", [])}


def remote_facts(entry: dict[str, Any]) -> policy.DatasetFacts:
    """The facts of an entry another catalog published (it was handed out: published there)."""
    from ckanext.govcatalog.access import _field

    return policy.DatasetFacts(owner_org=None, level=_field(entry, "data_classification"),
                               category=_field(entry, "data_category"),
                               harvest_consent=_field(entry, "allow_harvest") != "False")


def _extra_value(value: Any) -> Any:
    """An extra holds text: a list field arrives as its JSON (as core CKAN stores a list)."""
    if isinstance(value, str) and value.startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        if isinstance(decoded, list):
            return decoded
    return value


def local_copy(entry: dict[str, Any], source_url: str, owner_org: str, fields: set[str]) -> Optional[dict[str, Any]]:
    """The dataset this catalog keeps of a remote entry, as the policy lets an aggregator keep it
    (None: nothing may be kept). Names, Thai tags and national fields are kept as they are."""
    disclosure = policy.aggregated_disclosure(remote_facts(entry))
    if disclosure is policy.Disclosure.NONE:
        return None
    data = {k: v for k, v in entry.items() if k not in REMOTE_ONLY}
    extras = []
    for extra in entry.get("extras") or []:  # core CKAN keeps schema fields among the extras
        if isinstance(extra, dict) and extra.get("key") in fields and extra["key"] not in data:
            data[extra["key"]] = _extra_value(extra.get("value"))
        elif isinstance(extra, dict) and extra.get("key") not in fields:
            extras.append({"key": extra.get("key"), "value": extra.get("value")})
    data["extras"] = extras
    data["tags"] = [{"name": t["name"]} for t in entry.get("tags") or [] if isinstance(t, dict) and t.get("name")]
    data["resources"] = ([{k: v for k, v in r.items() if k not in RESOURCE_REMOTE_ONLY}
                          for r in entry.get("resources") or []]
                         if disclosure is policy.Disclosure.WITH_FILES else [])
    data["owner_org"] = owner_org
    data["private"] = False
    data["state"] = "active"
    data["reference_url_catalog"] = f"{source_url.rstrip('/')}/dataset/{entry.get('name') or entry['id']}"
    return data


class GovcatalogHarvester(HarvesterBase):
    """ckanext-harvest's IHarvester for catalogs running this suite, plain CKAN and Open-D."""

    def info(self) -> dict[str, str]:
        return {"name": NAME, "title": "Government data catalog (change feed or package_search)",
                "description": "Agency catalogs running ckanext-govcatalog (change feed), plain CKAN or Open-D: "
                               "Thai tags, names and national fields kept, withdrawals and deletions mirrored."}

    def validate_config(self, config: Optional[str]) -> str:
        settings = self._settings(config)
        if settings.get("mode", "auto") not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if "api_key" in settings or "token" in settings:
            raise ValueError("name where the token is (token_env or token_file), not the token itself")
        page_size = settings.get("page_size", 500)
        if not isinstance(page_size, int) or not 1 <= page_size <= 1000:
            raise ValueError("page_size must be a whole number from 1 to 1000")
        if "fq" in settings and not isinstance(settings["fq"], str):
            raise ValueError("fq must be text")
        return config or "{}"

    @staticmethod
    def _settings(config: Optional[str]) -> dict[str, Any]:
        try:
            settings = json.loads(config) if config else {}
        except ValueError as error:
            raise ValueError(f"config is not JSON: {error}") from None
        if not isinstance(settings, dict):
            raise ValueError("config must be a JSON object")
        return settings

    def _source(self, settings: dict[str, Any], url: str) -> remote.Source:
        return remote.Source(url, remote.read_token(settings))

    # --- gather -------------------------------------------------------------------------------

    def gather_stage(self, harvest_job: HarvestJob) -> Optional[list[str]]:
        source_row = harvest_job.source
        try:
            settings = self._settings(source_row.config)
            source = self._source(settings, source_row.url)
            mode = settings.get("mode", "auto")
            if mode == "auto":
                mode = "feed" if source.runs_this_suite() else "search"
            if mode == "feed":
                wanted = self._gather_feed(harvest_job, source, settings)
            else:
                wanted = self._gather_search(harvest_job, source, settings)
        except (remote.RemoteError, ValueError) as error:
            self._save_gather_error(f"{source_row.url}: {error}", harvest_job)
            return None
        for guid in errored_guids(source_row.id):
            wanted.setdefault(guid, (CHANGE, None))
        return self._objects(harvest_job, wanted)

    def _gather_feed(self, job: HarvestJob, source: remote.Source, settings: dict[str, Any]
                     ) -> dict[str, tuple[str, Optional[str]]]:
        """The entries the feed changed since the last finished job's cursor (all of them at first)."""
        since = last_cursor(job.source_id) or 0
        wanted: dict[str, tuple[str, Optional[str]]] = {}
        resync = False
        for page in source.changes(since):
            resync = resync or bool(page.get("resync"))
            for change in page["changes"]:
                gone = change["change"] in ("withdrawn", "deleted")
                wanted[change["id"]] = (DELETE, None) if gone else (CHANGE, None)
            since = int(page["next_since"])
        if resync:  # the feed dropped changes we never read: compare the whole list once
            listed = {e["id"] for e in source.search(self._fq(settings), fl="id")}
            for guid in held_guids(job.source_id) - listed:
                wanted[guid] = (DELETE, None)
            for guid in listed:
                wanted.setdefault(guid, (CHANGE, None))
        held = held_guids(job.source_id)
        wanted = {guid: w for guid, w in wanted.items() if w[0] != DELETE or guid in held}
        model.Session.add(HarvestCursor(job_id=job.id, source_id=job.source_id, cursor=since, at=now()))
        model.Session.commit()
        return wanted

    @staticmethod
    def _fq(settings: dict[str, Any]) -> str:
        own = settings.get("fq")
        return "+dataset_type:dataset" + (f" +({own})" if own else "")

    def _gather_search(self, job: HarvestJob, source: remote.Source, settings: dict[str, Any]
                       ) -> dict[str, tuple[str, Optional[str]]]:
        """Entries modified since the last finished job started (content from the search), and the
        deletion of whatever the source no longer lists."""
        rows = int(settings.get("page_size", 500))
        started = last_started(job)
        fq = self._fq(settings)
        wanted: dict[str, tuple[str, Optional[str]]] = {}
        listed = {e["id"] for e in source.search(fq, rows=max(rows, 1000), fl="id")}
        changed_fq = fq
        if started is not None:
            since = (started - SEARCH_OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")
            changed_fq = f"{fq} +metadata_modified:[{since} TO *]"
        for entry in source.search(changed_fq, rows=rows):
            wanted[entry["id"]] = (CHANGE, json.dumps(entry, ensure_ascii=False))
        for guid in held_guids(job.source_id) - listed:
            wanted[guid] = (DELETE, None)
        return wanted

    def _objects(self, job: HarvestJob, wanted: dict[str, tuple[str, Optional[str]]]) -> list[str]:
        ids = []
        for guid, (status, content) in wanted.items():
            obj = HarvestObject(guid=guid, job=job, content=content,
                                extras=[HarvestObjectExtra(key=STATUS, value=status)])
            obj.save()
            ids.append(obj.id)
        return ids

    # --- fetch --------------------------------------------------------------------------------

    def fetch_stage(self, harvest_object: HarvestObject) -> bool:
        if self._status(harvest_object) == DELETE or harvest_object.content:
            return True
        source_row = harvest_object.source or harvest_object.job.source
        try:
            source = self._source(self._settings(source_row.config), source_row.url)
            entry = source.call("package_show", id=harvest_object.guid)
        except remote.Gone:  # withdrawn between the feed and now: remove it here too
            self._set_status(harvest_object, DELETE)
            return True
        except (remote.RemoteError, ValueError) as error:
            self._save_object_error(f"{harvest_object.guid}: {error}", harvest_object, "Fetch")
            return False
        harvest_object.content = json.dumps(entry, ensure_ascii=False)
        harvest_object.save()
        return True

    @staticmethod
    def _status(harvest_object: HarvestObject) -> Optional[str]:
        return next((e.value for e in harvest_object.extras if e.key == STATUS), None)

    @staticmethod
    def _set_status(harvest_object: HarvestObject, status: str) -> None:
        for extra in harvest_object.extras:
            if extra.key == STATUS:
                extra.value = status
        harvest_object.save()

    # --- import -------------------------------------------------------------------------------

    def _context(self) -> dict[str, Any]:
        return {"model": model, "session": model.Session, "user": self._get_user_name(), "ignore_auth": True}

    def import_stage(self, harvest_object: HarvestObject) -> Any:
        if self._status(harvest_object) == DELETE:
            return self._delete(harvest_object)
        source_row = harvest_object.source or harvest_object.job.source
        try:
            entry = json.loads(harvest_object.content or "")
        except ValueError:
            self._save_object_error(f"{harvest_object.guid}: content is not JSON", harvest_object, "Import")
            return False
        source_package = model.Package.get(source_row.id)  # a harvest source is a dataset: its organization
        owner_org = source_package.owner_org if source_package is not None else None
        data = local_copy(entry, source_row.url, owner_org or "", schema_fields())
        if data is None:  # top secret or no consent: an aggregator keeps nothing of it
            return self._delete(harvest_object)
        data["id"] = harvest_object.guid
        existing = model.Package.get(harvest_object.guid)
        holder = model.Package.get(data["name"]) if data.get("name") else None
        if holder is not None and holder is not existing:  # another entry holds that name here
            data["name"] = existing.name if existing is not None else self._gen_new_name(data["name"])
        try:
            action = "package_update" if existing is not None else "package_create"
            package = tk.get_action(action)(self._context(), data)
        except tk.ValidationError as error:
            model.Session.rollback()
            self._save_object_error(self._invalid(harvest_object.guid, entry, error), harvest_object, "Import")
            return False
        except Exception as error:  # noqa: BLE001 - one bad entry must not stop the job
            model.Session.rollback()
            log.exception("import of %s failed", harvest_object.guid)
            self._save_object_error(f"{harvest_object.guid}: {type(error).__name__}: {error}"[:1000],
                                    harvest_object, "Import")
            return False
        self._make_current(harvest_object, package["id"])
        return True

    @staticmethod
    def _invalid(guid: str, entry: dict[str, Any], error: tk.ValidationError) -> str:
        details = json.dumps(error.error_dict, ensure_ascii=False, default=str)[:1500]
        return f"Invalid dataset {entry.get('name') or guid} ({guid}) for this catalog's schema: {details}"

    def _make_current(self, harvest_object: HarvestObject, package_id: Optional[str], current: bool = True) -> None:
        model.Session.query(HarvestObject).filter(HarvestObject.guid == harvest_object.guid,
                                                  HarvestObject.harvest_source_id == harvest_object.harvest_source_id,
                                                  HarvestObject.id != harvest_object.id).update(
            {"current": False}, synchronize_session=False)
        harvest_object.package_id = package_id
        harvest_object.current = current
        harvest_object.save()

    def _delete(self, harvest_object: HarvestObject) -> Any:
        """Delete here what the source withdrew, deleted or may no longer give an aggregator."""
        package = model.Package.get(harvest_object.guid)
        held = package is not None and package.state != "deleted" and harvest_object.guid in held_guids(
            harvest_object.harvest_source_id)
        if not held:
            return "unchanged"
        try:
            tk.get_action("package_delete")(self._context(), {"id": harvest_object.guid})
        except Exception as error:  # noqa: BLE001
            model.Session.rollback()
            self._save_object_error(f"{harvest_object.guid}: not deleted: {error}"[:1000], harvest_object, "Import")
            return False
        self._make_current(harvest_object, package.id if package else None, current=False)
        return True
